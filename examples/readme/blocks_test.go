package readme

import (
	"go/build"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// goBlock is a fenced ```go block of a Markdown file; its first group is the code.
var goBlock = regexp.MustCompile("(?ms)^```go\n(.*?)^```$")

// Every Go block of README.md appears, byte for byte, in a test file of this package that the
// go command compiles, so that a README example that stops compiling or passing fails here.
func TestEveryGoBlockOfTheREADMEIsHere(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	blocks := goBlock.FindAllStringSubmatch(string(readme), -1)
	require.NotEmpty(t, blocks, "README.md has Go blocks")

	pkg, err := build.ImportDir(".", 0)
	require.NoError(t, err)
	var compiled strings.Builder
	for _, name := range append(pkg.TestGoFiles, pkg.XTestGoFiles...) {
		b, err := os.ReadFile(name)
		require.NoError(t, err)
		compiled.Write(b)
	}
	for _, b := range blocks {
		require.Contains(t, compiled.String(), b[1], "README.md's Go block is not in a compiled test of examples/readme")
	}
}
