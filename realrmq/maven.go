package realrmq

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// pom is java/pom.xml, embedded so that a binary built from this package (sim real) finds it
// wherever it runs.
//
//go:embed java/pom.xml
var pom []byte

// mavenTimeout bounds one Maven run; a cold ~/.m2 downloads about 40 jars (130 for 5.x).
const mavenTimeout = 5 * time.Minute

// ErrUnavailable is wrapped by Cluster.Start's errors when this machine cannot run the servers
// at all (java or mvn missing, Maven cannot resolve the jars), as opposed to servers that fail
// to start. The test helper Start skips the test on it.
var ErrUnavailable = errors.New("realrmq: real RocketMQ unavailable")

// classpaths memoizes Maven's answer per version for the life of the process (the cache
// folder does across processes). Failures are not memoized: they may come from a cancelled
// context.
var classpaths struct {
	mu sync.Mutex
	m  map[string]string
}

// Classpath returns the classpath (jars joined by the OS list separator) of the given
// RocketMQ version's name server, broker, client and tools, resolving it with Maven the first
// time and reading it from the user cache folder afterwards.
func Classpath(ctx context.Context, version string) (string, error) {
	if version == "" {
		version = DefaultVersion
	}
	// Held across Maven so that parallel starts run it once.
	classpaths.mu.Lock()
	defer classpaths.mu.Unlock()
	if cp, ok := classpaths.m[version]; ok {
		return cp, nil
	}
	cp, err := resolveClasspath(ctx, version)
	if err != nil {
		return "", err
	}
	if classpaths.m == nil {
		classpaths.m = map[string]string{}
	}
	classpaths.m[version] = cp
	return cp, nil
}

// resolveClasspath is MavenClasspath for the embedded pom and a RocketMQ version.
func resolveClasspath(ctx context.Context, version string) (string, error) {
	cp, err := MavenClasspath(ctx, "realrmq", pom, "-Drocketmq.version="+version)
	if err != nil && errors.Is(err, ErrUnavailable) {
		return "", fmt.Errorf("%w (RocketMQ %s)", err, version)
	}
	return cp, err
}

// MavenClasspath returns the classpath (jars joined by the OS list separator) of a pom's
// dependencies, running `mvn dependency:build-classpath` with the given -D properties unless an
// earlier run for the same pom and properties left its answer in the user cache folder (under
// rocketsim/<name>/) and every jar it names still exists. Errors that mean this machine cannot
// resolve the jars (no mvn, Maven failing) wrap ErrUnavailable. Other Java peers of the project
// (compat/java) resolve their poms through it too.
func MavenClasspath(ctx context.Context, name string, pomXML []byte, props ...string) (string, error) {
	key := append([]byte(nil), pomXML...)
	for _, p := range props {
		key = append(append(key, 0), p...)
	}
	sum := sha256.Sum256(key)
	cacheRoot, err := os.UserCacheDir()
	if err != nil {
		cacheRoot = os.TempDir()
	}
	dir := filepath.Join(cacheRoot, "rocketsim", name, hex.EncodeToString(sum[:8]))
	cached := filepath.Join(dir, "classpath.txt")
	if b, err := os.ReadFile(cached); err == nil && jarsExist(string(b)) {
		return strings.TrimSpace(string(b)), nil
	}
	mvn, err := exec.LookPath("mvn")
	if err != nil {
		return "", fmt.Errorf("%w: mvn not found in PATH (Maven resolves the jars)", ErrUnavailable)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	pomFile := filepath.Join(dir, "pom.xml")
	if err := os.WriteFile(pomFile, pomXML, 0o644); err != nil {
		return "", err
	}
	// Written to a temporary name and renamed, so that a concurrent test binary never reads
	// half a classpath.
	tmp, err := os.CreateTemp(dir, "classpath-*.txt")
	if err != nil {
		return "", err
	}
	_ = tmp.Close()
	defer func() { _ = os.Remove(tmp.Name()) }()
	ctx, cancel := context.WithTimeout(ctx, mavenTimeout)
	defer cancel()
	args := append([]string{"-q", "-B", "-f", pomFile, "dependency:build-classpath", "-Dmdep.outputFile=" + tmp.Name()}, props...)
	if out, err := exec.CommandContext(ctx, mvn, args...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("%w: mvn dependency:build-classpath: %v\n%s", ErrUnavailable, err, tail(string(out), 30))
	}
	b, err := os.ReadFile(tmp.Name())
	if err != nil {
		return "", err
	}
	if !jarsExist(string(b)) {
		return "", fmt.Errorf("realrmq: maven wrote an unusable classpath: %q", b)
	}
	if err := os.Rename(tmp.Name(), cached); err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

func jarsExist(cp string) bool {
	cp = strings.TrimSpace(cp)
	if cp == "" {
		return false
	}
	for _, jar := range filepath.SplitList(cp) {
		if _, err := os.Stat(jar); err != nil {
			return false
		}
	}
	return true
}

// javaBinary finds java: $JAVA_HOME/bin/java first, as the RocketMQ start scripts do, then PATH.
func javaBinary() (string, error) {
	if home := os.Getenv("JAVA_HOME"); home != "" {
		p := filepath.Join(home, "bin", "java")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	p, err := exec.LookPath("java")
	if err != nil {
		return "", fmt.Errorf("%w: java not found (set JAVA_HOME or PATH; Java 17 runs RocketMQ 4.9.7)", ErrUnavailable)
	}
	return p, nil
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	s = strings.TrimRight(s, "\n")
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
