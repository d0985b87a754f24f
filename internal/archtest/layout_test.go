package archtest

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pkgFiles is what the layout checks read of `go list -json` (without -deps).
type pkgFiles struct {
	ImportPath   string
	GoFiles      []string
	Imports      []string
	TestImports  []string
	XTestImports []string
}

func listPackages(t *testing.T, patterns ...string) map[string]pkgFiles {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", append([]string{"list", "-json"}, patterns...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go list: %s", stderr.String())
	pkgs := map[string]pkgFiles{}
	for dec := json.NewDecoder(bytes.NewReader(out)); dec.More(); {
		var p pkgFiles
		require.NoError(t, dec.Decode(&p))
		pkgs[p.ImportPath] = p
	}
	return pkgs
}

// conformance checks our client and the admin package against real servers: it is tests, not a
// library, so nothing can come to depend on it.
func TestConformanceHoldsTestsOnly(t *testing.T) {
	p := listPackages(t, module+"/conformance")[module+"/conformance"]
	assert.Empty(t, p.GoFiles, "conformance/ must hold _test.go files only")
}

// The admin side of the protocol is written once (admin/) and a cluster under test is reached
// through one seam (backend/): the packages that used to write their own use them. A package
// "uses" one when it, or its tests, import it directly.
func TestAdminAndBackendAreTheSeams(t *testing.T) {
	pkgs := listPackages(t, module+"/...")
	uses := func(importer, imported string) bool {
		p, ok := pkgs[module+"/"+importer]
		require.True(t, ok, "package %s exists", importer)
		for _, imports := range [][]string{p.Imports, p.TestImports, p.XTestImports} {
			if slices.Contains(imports, module+"/"+imported) {
				return true
			}
		}
		return false
	}
	for _, c := range []struct{ importer, imported string }{
		{"load", "backend"},
		{"scenarios", "backend"},
		{"conformance", "backend"},
		{"backend", "admin"},
		{"realrmq", "admin"},
		{"conformance", "admin"},
		{"fakecluster", "admin"},
	} {
		assert.True(t, uses(c.importer, c.imported), "%s uses %s", c.importer, c.imported)
	}
	// Nobody but the backend's Remote pulls messages back or lists connections by hand: the
	// wire admin calls of load and the scenarios go through backend.
	for _, p := range []string{"load", "scenarios"} {
		assert.False(t, uses(p, "admin"), "%s reaches clusters through backend, not admin directly", p)
	}
}
