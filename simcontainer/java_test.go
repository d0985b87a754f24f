package simcontainer

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// javaTest is README's Java Testcontainers snippet as a test of its own (a Maven project).
const javaTest = "java/src/test/java/io/github/rocketsim/SimContainerTest.java"

// snippet is the part of the Java test README shows: the lines between "// README begin" and
// "// README end", less the method body's indentation.
func snippet(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile(javaTest)
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(src), "// README begin\n")
	require.True(t, ok, "no README begin marker in %s", javaTest)
	body, _, ok := strings.Cut(rest, "// README end\n")
	require.True(t, ok, "no README end marker in %s", javaTest)
	var out []string
	for line := range strings.SplitSeq(strings.TrimRight(body, " \n"), "\n") {
		out = append(out, strings.TrimPrefix(line, "        "))
	}
	return strings.Join(out, "\n") + "\n"
}

// README's Java snippet is the test's code, so that what README shows is what runs.
func TestReadmeJavaSnippetIsTheTest(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	_, after, ok := strings.Cut(string(readme), "The same sim container from a Java test")
	require.True(t, ok)
	_, block, ok := strings.Cut(after, "```java\n")
	require.True(t, ok)
	block, _, ok = strings.Cut(block, "```\n")
	require.True(t, ok)
	require.Equal(t, snippet(t), block, "README's Java snippet differs from %s", javaTest)
}

// TestJavaSnippet runs the Java test (`mvn test` in java/) against rocketsim/sim:dev: Java's
// Testcontainers starts the container and Java's 4.9.7 producer sends to it. It skips where no
// Docker engine answers, the image is not built, or Maven is missing, unless
// ROCKETSIM_REQUIRE_DOCKER=1 (CI).
func TestJavaSnippet(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: Maven resolves and runs a JVM test (a minute the first time)")
	}
	requireImage(t, DefaultImage)
	mvn, err := exec.LookPath("mvn")
	if err != nil {
		if os.Getenv("ROCKETSIM_REQUIRE_DOCKER") == "1" {
			t.Fatal("no mvn (ROCKETSIM_REQUIRE_DOCKER=1)")
		}
		t.Skip("no mvn: the Java test needs Maven and a JDK 17")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, mvn, "-B", "-q", "test")
	cmd.Dir = "java"
	// TestMain set Ryuk off and, beside a local dockerd, the host override: Java's
	// Testcontainers reads the same variables.
	cmd.Env = os.Environ()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	require.NoError(t, err, "mvn test in java/:\n%s", out.String())
	reports, err := filepath.Glob("java/target/surefire-reports/TEST-*.xml")
	require.NoError(t, err)
	require.Len(t, reports, 1, "the Java test ran")
	report, err := os.ReadFile(reports[0])
	require.NoError(t, err)
	require.Contains(t, string(report), `tests="1" errors="0" skipped="0" failures="0"`)
}
