package proxy_test

import (
	"bufio"
	"net/http"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

// docs/admin-api.md is the admin API's contract: it lists every call the servers register, each
// in the section of the servers that serve it (both, `sim serve` only, `sim proxy` only), and
// no call that none of them registers. The registered calls are read as a tool reads them,
// from GET /v1 of a fake cluster's admin handler and of a proxy's.
func TestAdminAPIDocListsTheRegisteredCalls(t *testing.T) {
	fc, p := cluster(t)
	serve, proxied := servedCalls(t, fc.AdminHandler()), servedCalls(t, p.AdminHandler())
	var both, serveOnly, proxyOnly []string
	for _, c := range serve {
		if slices.Contains(proxied, c) {
			both = append(both, c)
		} else {
			serveOnly = append(serveOnly, c)
		}
	}
	for _, c := range proxied {
		if !slices.Contains(serve, c) {
			proxyOnly = append(proxyOnly, c)
		}
	}

	doc := documentedCalls(t, "../docs/admin-api.md")
	for _, s := range []struct {
		heading string
		served  []string
	}{
		{"## Served by `sim serve` and `sim proxy` alike", both},
		{"## Served by `sim serve` only", serveOnly},
		{"## Served by `sim proxy` only", proxyOnly},
	} {
		var documented []string
		found := false
		for heading, calls := range doc {
			if strings.HasPrefix(heading, s.heading) {
				documented, found = calls, true
			}
		}
		require.True(t, found, "docs/admin-api.md has no section %q", s.heading)
		slices.Sort(s.served)
		require.Empty(t, cmp.Diff(s.served, documented), "%s: -registered +documented", s.heading)
	}
}

// servedCalls returns the calls h's GET /v1 lists, as "METHOD /path" with ServeMux's {$} (the
// exact path) left out, as the doc writes them.
func servedCalls(t *testing.T, h http.Handler) []string {
	t.Helper()
	code, v := adminCall(t, h, "GET", "/v1", "")
	require.Equal(t, http.StatusOK, code)
	var out []string
	for _, c := range v["calls"].([]any) {
		call := c.(map[string]any)
		out = append(out, call["method"].(string)+" "+strings.TrimSuffix(call["path"].(string), "{$}"))
	}
	return out
}

var (
	codeSpan = regexp.MustCompile("`([^`]*)`")
	callSpan = regexp.MustCompile(`^(GET|POST|PUT|PATCH|DELETE) (/\S*)$`)
)

// documentedCalls reads the calls of the doc's tables, by section heading ("## ..."): each code
// span in a row's first cell that is "METHOD /path" (a query string left out), or "/last" after
// one, meaning the same call with its last path segment replaced (`POST /v1/x/stop`, `/start`).
func documentedCalls(t *testing.T, file string) map[string][]string {
	t.Helper()
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	out := map[string][]string{}
	heading := ""
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		line := lines.Text()
		if strings.HasPrefix(line, "## ") {
			heading = line
			continue
		}
		if !strings.HasPrefix(line, "|") {
			continue
		}
		first, _, _ := strings.Cut(strings.TrimPrefix(line, "|"), "|")
		method, last := "", ""
		for _, m := range codeSpan.FindAllStringSubmatch(first, -1) {
			span, _, _ := strings.Cut(m[1], "?")
			call := ""
			if c := callSpan.FindStringSubmatch(span); c != nil {
				method, last = c[1], c[2]
				call = method + " " + last
			} else if strings.HasPrefix(span, "/") && method != "" {
				last = path.Join(path.Dir(last), span)
				call = method + " " + last
			}
			if call != "" && !slices.Contains(out[heading], call) {
				out[heading] = append(out[heading], call)
			}
		}
	}
	require.NoError(t, lines.Err())
	for _, calls := range out {
		slices.Sort(calls)
	}
	return out
}
