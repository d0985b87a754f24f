package archtest

import (
	"bufio"
	"cmp"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// An exported option nobody passes is a promise nobody checks: every exported function named
// With* in the root module's non-test files must be referenced from some other file, a test
// or a nested module's file (compat, compat/bench, realrmq/container, simcontainer) included.
// The files are parsed, not type-checked, so that this package keeps importing nothing of ours:
// a reference is pkg.WithX where pkg is a file's name for the option's import path, or a bare
// WithX in another file of the same package.
func TestEveryOptionIsUsed(t *testing.T) {
	root := moduleRoot(t)
	files := parseTree(t, root)

	type option struct {
		importPath, name string
		pos              token.Position
	}
	var options []option
	pkgNames := map[string]string{} // import path -> package name, for imports without a name
	for _, f := range files {
		if f.module != module || strings.HasSuffix(f.path, "_test.go") {
			continue
		}
		pkgNames[f.importPath] = f.ast.Name.Name
		for _, d := range f.ast.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if ok && fn.Recv == nil && fn.Name.IsExported() && strings.HasPrefix(fn.Name.Name, "With") {
				options = append(options, option{f.importPath, fn.Name.Name, f.fset.Position(fn.Pos())})
			}
		}
	}
	require.NotEmpty(t, options, "the module's options were found")

	type ref struct{ importPath, name string }
	usedFrom := map[ref][]string{} // -> the files that reference it
	for _, f := range files {
		names := map[string]string{} // a name this file gives an import -> its import path
		for _, imp := range f.ast.Imports {
			p, err := strconv.Unquote(imp.Path.Value)
			require.NoError(t, err)
			name := cmp.Or(pkgNames[p], path.Base(p))
			if imp.Name != nil {
				name = imp.Name.Name
			}
			names[name] = p
		}
		// A bare name refers to the package's own options only in the package itself, not in
		// its external test package (pkg_test).
		samePackage := f.ast.Name.Name == pkgNames[f.importPath]
		ast.Inspect(f.ast, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				if x, ok := n.X.(*ast.Ident); ok && names[x.Name] != "" {
					r := ref{names[x.Name], n.Sel.Name}
					usedFrom[r] = append(usedFrom[r], f.path)
					return false
				}
			case *ast.Ident:
				if samePackage {
					r := ref{f.importPath, n.Name}
					usedFrom[r] = append(usedFrom[r], f.path)
				}
			}
			return true
		})
	}

	var unused []string
	for _, o := range options {
		others := slices.DeleteFunc(slices.Clone(usedFrom[ref{o.importPath, o.name}]),
			func(file string) bool { return file == o.pos.Filename })
		if len(others) == 0 {
			rel, _ := filepath.Rel(root, o.pos.Filename)
			unused = append(unused, path.Base(o.importPath)+"."+o.name+" ("+rel+":"+strconv.Itoa(o.pos.Line)+")")
		}
	}
	if len(unused) > 0 {
		t.Errorf("exported options that no other file uses: use each in a test that shows what it does, or remove it:\n\t%s",
			strings.Join(unused, "\n\t"))
	}
}

// parsedFile is one Go file of the tree and where it belongs.
type parsedFile struct {
	module     string // the path of the module that holds it
	importPath string // the import path of its folder
	fset       *token.FileSet
	path       string
	ast        *ast.File
}

// parseTree parses every Go file under root, nested modules included, skipping testdata and
// hidden folders as the go command does.
func parseTree(t *testing.T, root string) []parsedFile {
	t.Helper()
	fset := token.NewFileSet()
	modules := map[string]string{} // folder -> module path, for folders with a go.mod
	var files []parsedFile
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if p != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			if mod, ok := readModulePath(t, filepath.Join(p, "go.mod")); ok {
				modules[p] = mod
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		modDir := filepath.Dir(p)
		for modules[modDir] == "" {
			modDir = filepath.Dir(modDir)
		}
		rel, err := filepath.Rel(modDir, filepath.Dir(p))
		if err != nil {
			return err
		}
		importPath := modules[modDir]
		if rel != "." {
			importPath += "/" + filepath.ToSlash(rel)
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files = append(files, parsedFile{modules[modDir], importPath, fset, p, f})
		return nil
	})
	require.NoError(t, err)
	return files
}

// moduleRoot is the folder of the root module's go.mod, found upwards from this package's.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if mod, ok := readModulePath(t, filepath.Join(dir, "go.mod")); ok && mod == module {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, dir, parent, "no go.mod of %s above the test's folder", module)
		dir = parent
	}
}

// readModulePath returns the module path a go.mod declares; false when there is no go.mod.
func readModulePath(t *testing.T, gomod string) (string, bool) {
	t.Helper()
	f, err := os.Open(gomod)
	if os.IsNotExist(err) {
		return "", false
	}
	require.NoError(t, err)
	defer f.Close()
	for sc := bufio.NewScanner(f); sc.Scan(); {
		if mod, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(mod), `"`), true
		}
	}
	t.Fatalf("%s names no module", gomod)
	return "", false
}
