package adminhttp

import (
	"embed"
	"net/http"
	"path"
)

// The web console is one page with its script and style sheet embedded in the binary: no CDN,
// no build step, so that it works offline and inside a container without a network.
//
//go:embed console/index.html console/console.js console/console.css
var consoleFiles embed.FS

func serveConsole(w http.ResponseWriter, r *http.Request) {
	data, err := consoleFiles.ReadFile("console/index.html")
	if err != nil {
		WriteError(w, http.StatusInternalServerError, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(data)
}

var consoleTypes = map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}

func serveConsoleFile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	typ, ok := consoleTypes[path.Ext(name)]
	data, err := consoleFiles.ReadFile("console/" + name)
	if !ok || err != nil {
		WriteError(w, http.StatusNotFound, &noFileError{name})
		return
	}
	w.Header().Set("Content-Type", typ)
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(data)
}

type noFileError struct{ name string }

func (e *noFileError) Error() string { return "the console has no file " + e.name }
