package archtest

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const module = "github.com/rocketsim/rocketsim"

// Everything under internal/ is plumbing that any package of ours may use, so none of it may
// import a package of ours (internal/ or not): otherwise a package that remoting imports could
// one day need remoting. The check reads the packages' own imports, as `go list -deps` does;
// their tests may import what they like.
func TestInternalImportsNothingOfOurs(t *testing.T) {
	pkgs := listDeps(t, module+"/internal/...")
	var internal []string
	var offences []string // "importer imports imported"
	for _, p := range pkgs {
		if !strings.HasPrefix(p.ImportPath, module+"/internal/") {
			continue
		}
		internal = append(internal, p.ImportPath)
		for _, imp := range p.Imports {
			if imp == module || strings.HasPrefix(imp, module+"/") {
				offences = append(offences, p.ImportPath+" imports "+imp)
			}
		}
	}
	require.Contains(t, internal, module+"/internal/archtest", "go list saw the packages under internal/")
	if len(offences) > 0 {
		t.Errorf("packages under internal/ must import nothing of ours:\n\t%s", strings.Join(offences, "\n\t"))
	}
}

// listed is what the check reads of `go list -json`.
type listed struct {
	ImportPath string
	Imports    []string
}

// listDeps runs `go list -deps -json` over patterns: the packages and everything they import.
func listDeps(t *testing.T, patterns ...string) []listed {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", append([]string{"list", "-deps", "-json"}, patterns...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go list: %s", stderr.String())
	var pkgs []listed
	for dec := json.NewDecoder(bytes.NewReader(out)); dec.More(); {
		var p listed
		require.NoError(t, dec.Decode(&p))
		pkgs = append(pkgs, p)
	}
	return pkgs
}
