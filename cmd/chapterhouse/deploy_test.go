package main

// The tests in this file hold deploy/ (Dockerfile, compose.yaml, the
// Kubernetes manifests and chapterhouse.env.example) to the code: the
// variables it names are the ones loadConfig reads, the commands it runs are
// ones run accepts with the environment it gives them, its probes are routes
// the real router serves, and the Dockerfile builds with go.mod's Go. None of
// them needs Docker or a cluster: the image itself is not built here, and
// the manifests are not applied anywhere.

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"go.yaml.in/yaml/v4"

	"github.com/chapterhouse/chapterhouse/internal/api"
	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/errs"
)

// deployDir is the repository's deploy/ directory, seen from this package.
const deployDir = "../../deploy"

// secretVars carry secrets: the Kubernetes manifests must take them from a
// Secret, and deploy/ may show only placeholders for them.
var secretVars = []string{"DATABASE_URL", "CHAPTERHOUSE_OIDC_CLIENT_SECRET", "CHAPTERHOUSE_BALLOT_KEY",
	"CHAPTERHOUSE_STRIPE_SECRET_KEY", "CHAPTERHOUSE_STRIPE_WEBHOOK_SECRET"}

// serveProductionVars are variables serve starts without but a deployment
// needs: the default base URL (http://localhost:8080) breaks login
// redirects anywhere but on the developer's machine, and without a ballot
// key no election can open.
var serveProductionVars = []string{"CHAPTERHOUSE_BASE_URL", "CHAPTERHOUSE_BALLOT_KEY"}

// placeholderMark is in every non-empty secret value deploy/ shows.
const placeholderMark = "CHANGE_ME"

// unreachableDB is a PostgreSQL URL nothing answers: commands given it get
// as far as connecting and fail there at once.
const unreachableDB = "postgres://deploytest@127.0.0.1:1/deploytest?connect_timeout=2"

// envNameRE finds the service's variable names in any text.
var envNameRE = regexp.MustCompile(`\b(?:CHAPTERHOUSE_[A-Z0-9_]*[A-Z0-9]|DATABASE_URL)\b`)

// urlPathRE finds the path of an http(s) URL in a healthcheck command.
var urlPathRE = regexp.MustCompile(`https?://[^/\s"']+(/[^\s"']*)`)

// knownVars maps each variable of envVars to its description.
func knownVars() map[string]string {
	m := make(map[string]string, len(envVars))
	for _, v := range envVars {
		m[v[0]] = v[1]
	}
	return m
}

// TestDeployNamesOnlyKnownVariablesAndTheExampleListsEveryOne checks that
// every CHAPTERHOUSE_* or DATABASE_URL name in any file under deploy/ is a
// variable the service reads (envVars), and that chapterhouse.env.example
// lists each of them once, with a comment, secrets as placeholders, dev-only
// ones marked, values loadConfig accepts, and defaults that are the real
// defaults.
func TestDeployNamesOnlyKnownVariablesAndTheExampleListsEveryOne(t *testing.T) {
	known := knownVars()
	for _, rel := range deployFiles(t) {
		sc := bufio.NewScanner(bytes.NewReader(readDeploy(t, rel)))
		for n := 1; sc.Scan(); n++ {
			for _, name := range envNameRE.FindAllString(sc.Text(), -1) {
				if _, ok := known[name]; !ok {
					t.Errorf("deploy/%s:%d: %s is not a variable the service reads (envVars in config.go)", rel, n, name)
				}
			}
		}
	}

	entries := parseEnvExample(t)
	for _, v := range envVars {
		e, ok := entries[v[0]]
		switch {
		case !ok:
			t.Errorf("chapterhouse.env.example does not list %s", v[0])
			continue
		case e.comment == "":
			t.Errorf("chapterhouse.env.example:%d: %s has no comment line above it", e.line, v[0])
		}
		if strings.HasPrefix(strings.ToLower(v[1]), "dev only") && !strings.Contains(strings.ToLower(e.comment), "dev only") {
			t.Errorf("chapterhouse.env.example:%d: %s is dev-only (envVars says %q) but its comment does not say so",
				e.line, v[0], v[1])
		}
	}
	for _, name := range secretVars {
		e, ok := entries[name]
		if !ok {
			continue // reported above
		}
		if !strings.HasPrefix(e.comment, "SECRET") {
			t.Errorf("chapterhouse.env.example:%d: the comment of %s does not start with SECRET", e.line, name)
		}
		if e.value != "" && !strings.Contains(e.value, placeholderMark) {
			t.Errorf("chapterhouse.env.example:%d: %s must be empty or a %s placeholder, not %q", e.line, name, placeholderMark, e.value)
		}
	}

	// The ballot key's placeholder must stop serve rather than pass for a
	// key (the example says so).
	if v := entries["CHAPTERHOUSE_BALLOT_KEY"].value; v != "" {
		if _, err := loadConfig(mapEnv(map[string]string{"CHAPTERHOUSE_BALLOT_KEY": v}), ":8080"); err == nil {
			t.Errorf("loadConfig accepts the CHAPTERHOUSE_BALLOT_KEY placeholder %q as a key", v)
		}
	}

	// Every value shown, set or commented out, must load; secrets are
	// placeholders and are left out.
	all, defaults := map[string]string{}, map[string]string{}
	for name, e := range entries {
		if slices.Contains(secretVars, name) {
			continue
		}
		all[name] = e.value
		if e.commented {
			defaults[name] = e.value
		}
	}
	if _, err := loadConfig(mapEnv(all), ":8080"); err != nil {
		t.Errorf("loadConfig rejects chapterhouse.env.example: %v", err)
	}
	// A commented-out line shows the default: loading those values must
	// give exactly what loading nothing gives.
	want, err := loadConfig(mapEnv(nil), ":8080")
	if err != nil {
		t.Fatal(err)
	}
	got, err := loadConfig(mapEnv(defaults), ":8080")
	if err != nil {
		t.Errorf("loadConfig rejects the defaults shown in chapterhouse.env.example: %v", err)
	} else if !reflect.DeepEqual(got, want) {
		t.Errorf("the commented-out values in chapterhouse.env.example are not the defaults:\n got %+v\nwant %+v", got, want)
	}
}

// TestDeployManifestsSetEveryVariableTheirCommandNeeds runs each command the
// Kubernetes manifests and compose.yaml run, in-process, to learn which
// variables it refuses to start without, and checks that the manifest sets
// each of them (for serve, also CHAPTERHOUSE_BASE_URL and
// CHAPTERHOUSE_BALLOT_KEY). It also checks that Kubernetes takes secrets
// only from the Secret, by keys the example Secret has, and that the
// ConfigMap's values load.
func TestDeployManifestsSetEveryVariableTheirCommandNeeds(t *testing.T) {
	cmd := dockerfileCmd(t)
	k := loadKubernetes(t)
	secret := k.secretExample
	for _, w := range k.workloads() {
		for _, c := range w.Spec.Template.Spec.Containers {
			where := fmt.Sprintf("%s %s, container %s", w.Kind, w.Metadata.Name, c.Name)
			argv := containerArgv(t, where, c, cmd)
			set := k.containerEnv(t, where, c)
			need := neededVars(t, argv)
			for _, name := range need {
				if _, ok := set[name]; !ok {
					t.Errorf("%s runs %q but does not set %s", where, argv, name)
				}
			}
			for name, from := range set {
				if slices.Contains(secretVars, name) && !strings.HasPrefix(from, "secret ") {
					t.Errorf("%s: %s is a secret but comes from %s, not a secretKeyRef", where, name, from)
				}
			}
			for _, e := range c.Env {
				if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
					continue
				}
				ref := e.ValueFrom.SecretKeyRef
				if ref.Name != secret.Metadata.Name {
					t.Errorf("%s: %s refers to Secret %q; the example Secret is %q", where, e.Name, ref.Name, secret.Metadata.Name)
				}
				if _, ok := secret.StringData[ref.Key]; !ok {
					t.Errorf("%s: %s refers to key %q, which secret.example.yaml does not have", where, e.Name, ref.Key)
				}
			}
		}
	}
	for key, v := range secret.StringData {
		if v != "" && !strings.Contains(v, placeholderMark) {
			t.Errorf("secret.example.yaml: %s must be empty or a %s placeholder", key, placeholderMark)
		}
	}
	if v := secret.StringData["CHAPTERHOUSE_BALLOT_KEY"]; v != "" {
		if _, err := loadConfig(mapEnv(map[string]string{"CHAPTERHOUSE_BALLOT_KEY": v}), ":8080"); err == nil {
			t.Errorf("secret.example.yaml: loadConfig accepts the CHAPTERHOUSE_BALLOT_KEY placeholder %q as a key", v)
		}
	}
	for _, cm := range k.byKind("ConfigMap") {
		for key := range cm.Data {
			if slices.Contains(secretVars, key) {
				t.Errorf("ConfigMap %s holds %s, a secret", cm.Metadata.Name, key)
			}
		}
		if _, err := loadConfig(mapEnv(cm.Data), ":8080"); err != nil {
			t.Errorf("loadConfig rejects ConfigMap %s: %v", cm.Metadata.Name, err)
		}
	}

	compose := loadCompose(t)
	for _, name := range compose.chapterhouseServices() {
		s := compose.Services[name]
		where := "compose service " + name
		argv := composeArgv(t, where, s, cmd)
		set := composeEnv(t, where, s)
		for _, v := range neededVars(t, argv) {
			if set[v] == "" {
				t.Errorf("%s runs %q but does not set %s", where, argv, v)
			}
		}
	}
}

// TestDeployYAMLFilesParseAndKustomizationListsEveryManifest parses every
// YAML file under deploy/ (each document, duplicate keys refused), checks
// that each Kubernetes document names its apiVersion, kind and name, and
// that kustomization.yaml lists every manifest in its directory except the
// *.example.yaml files, which it must not apply.
func TestDeployYAMLFilesParseAndKustomizationListsEveryManifest(t *testing.T) {
	n := 0
	for _, rel := range deployFiles(t) {
		if ext := path.Ext(rel); ext != ".yaml" && ext != ".yml" {
			continue
		}
		n++
		docs, err := decodeAll[map[string]any](readDeploy(t, rel))
		if err != nil {
			t.Errorf("deploy/%s does not parse: %v", rel, err)
			continue
		}
		if len(docs) == 0 {
			t.Errorf("deploy/%s holds no YAML document", rel)
		}
		if !strings.HasPrefix(rel, "kubernetes/") {
			continue
		}
		for i, d := range docs {
			meta, _ := d["metadata"].(map[string]any)
			if d["apiVersion"] == nil || d["kind"] == nil || (d["kind"] != "Kustomization" && meta["name"] == nil) {
				t.Errorf("deploy/%s, document %d: apiVersion, kind or metadata.name is missing", rel, i+1)
			}
		}
	}
	if n < 2 {
		t.Fatalf("found %d YAML files under deploy/; want compose.yaml and the Kubernetes manifests", n)
	}

	kust := readKustomization(t)
	listed := map[string]bool{}
	for _, r := range kust.Resources {
		listed[r] = true
		if _, err := os.Stat(filepath.Join(deployDir, "kubernetes", r)); err != nil {
			t.Errorf("kustomization.yaml lists %s: %v", r, err)
		}
	}
	entries, err := os.ReadDir(filepath.Join(deployDir, "kubernetes"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || name == "kustomization.yaml" || !strings.HasSuffix(name, ".yaml") {
			continue
		}
		example := strings.HasSuffix(name, ".example.yaml")
		switch {
		case example && listed[name]:
			t.Errorf("kustomization.yaml lists %s: applying it would overwrite real values with placeholders", name)
		case !example && !listed[name]:
			t.Errorf("kustomization.yaml does not list %s", name)
		}
	}
}

// TestDeployProbePathsAreServedByTheRealRouter sends the Deployment's probe
// requests (and compose HTTP healthchecks, if any) to the handler api.New
// builds, with no credentials and a database that does not answer: the
// liveness path must answer 200 (a database outage must not restart every
// pod), the readiness path 503 (a pod that cannot reach the database leaves
// the Service). The probes must also use the container's port, which must
// be the port CHAPTERHOUSE_ADDR gives serve.
func TestDeployProbePathsAreServedByTheRealRouter(t *testing.T) {
	h := probeHandler(t)
	if code, _ := get(t, h, "/no-such-probe"); code != http.StatusNotFound {
		t.Fatalf("control: GET /no-such-probe answered %d, want 404; the check below could not fail", code)
	}

	k := loadKubernetes(t)
	port := k.addrPort(t)
	deps := k.byKind("Deployment")
	if len(deps) == 0 {
		t.Fatal("no Deployment in kustomization.yaml's resources")
	}
	for _, d := range deps {
		for _, c := range d.Spec.Template.Spec.Containers {
			where := fmt.Sprintf("Deployment %s, container %s", d.Metadata.Name, c.Name)
			if !slices.ContainsFunc(c.Ports, func(p containerPort) bool { return p.ContainerPort == port }) {
				t.Errorf("%s does not expose port %d, where CHAPTERHOUSE_ADDR has serve listen", where, port)
			}
			for _, p := range []struct {
				kind  string
				probe *probe
				want  int
			}{{"readinessProbe", c.ReadinessProbe, http.StatusServiceUnavailable}, {"livenessProbe", c.LivenessProbe, http.StatusOK}} {
				if p.probe == nil || p.probe.HTTPGet == nil {
					t.Errorf("%s has no HTTP %s", where, p.kind)
					continue
				}
				if got := c.portNumber(p.probe.HTTPGet.Port); got != port {
					t.Errorf("%s: %s port %v is not the serve port %d", where, p.kind, p.probe.HTTPGet.Port, port)
				}
				code, body := get(t, h, p.probe.HTTPGet.Path)
				if code != p.want {
					t.Errorf("%s: %s GET %s answered %d (%s), want %d with the database down",
						where, p.kind, p.probe.HTTPGet.Path, code, body, p.want)
				}
			}
		}
	}

	compose := loadCompose(t)
	for name, s := range compose.Services {
		if s.Healthcheck == nil {
			continue
		}
		for _, arg := range s.Healthcheck.Test {
			for _, u := range urlPathRE.FindAllStringSubmatch(arg, -1) {
				if code, body := get(t, h, u[1]); code != http.StatusOK && code != http.StatusServiceUnavailable {
					t.Errorf("compose service %s: healthcheck GET %s answered %d (%s)", name, u[1], code, body)
				}
			}
		}
	}
}

// TestDeployDockerfileBuildsStaticWithGoModVersion checks the Dockerfile:
// its golang build image is go.mod's go version, it builds ./cmd/chapterhouse
// with CGO_ENABLED=0 and -trimpath, and its final stage is not the Go image,
// runs as a non-root user, exposes the serve port and runs /chapterhouse
// serve. Unless -short, it then runs that build and checks the binary is
// static and runs from an empty directory with an empty environment.
func TestDeployDockerfileBuildsStaticWithGoModVersion(t *testing.T) {
	t.Parallel() // the build takes a while on a cold cache; nothing here is shared
	goVersion := goModVersion(t)
	df := parseDockerfile(t)
	var build *dockerStage
	for i := range df.stages {
		if img := df.stages[i].image; strings.HasPrefix(img, "golang:") {
			build = &df.stages[i]
			tag := strings.TrimPrefix(img, "golang:")
			if tag != goVersion && !strings.HasPrefix(tag, goVersion+"-") {
				t.Errorf("Dockerfile builds with %s; go.mod says go %s", img, goVersion)
			}
		}
	}
	if build == nil {
		t.Fatal("Dockerfile has no golang:VERSION build stage")
	}
	goBuild := build.run("go build")
	switch {
	case goBuild == "":
		t.Error("the build stage has no RUN ... go build")
	case !strings.Contains(goBuild, "-trimpath") || !strings.Contains(goBuild, "./cmd/chapterhouse"):
		t.Errorf("the build does not build ./cmd/chapterhouse with -trimpath: %s", goBuild)
	}
	if !strings.Contains(goBuild, "CGO_ENABLED=0") && !strings.Contains(build.instr("ENV"), "CGO_ENABLED=0") {
		t.Error("the build stage does not set CGO_ENABLED=0")
	}

	final := df.stages[len(df.stages)-1]
	if strings.HasPrefix(final.image, "golang:") {
		t.Errorf("the runtime image is the Go image %s", final.image)
	}
	if user := strings.Fields(final.instr("USER")); len(user) == 0 ||
		slices.Contains([]string{"root", "0"}, strings.Split(user[0], ":")[0]) {
		t.Errorf("the runtime stage does not run as a non-root user (USER %q)", final.instr("USER"))
	}
	if got := final.execForm(t, "ENTRYPOINT"); !slices.Equal(got, []string{"/chapterhouse"}) {
		t.Errorf("ENTRYPOINT is %q, want [\"/chapterhouse\"]", got)
	}
	if !strings.HasSuffix(final.instr("COPY"), " /chapterhouse") {
		t.Errorf("the runtime stage does not copy the binary to /chapterhouse: COPY %s", final.instr("COPY"))
	}
	if got := final.execForm(t, "CMD"); !slices.Equal(got, []string{"serve"}) {
		t.Errorf("CMD is %q, want [\"serve\"]", got)
	}
	port := loadKubernetes(t).addrPort(t)
	if !slices.Contains(strings.Fields(final.instr("EXPOSE")), strconv.Itoa(port)) {
		t.Errorf("EXPOSE %q does not include the serve port %d", final.instr("EXPOSE"), port)
	}

	t.Run("build", func(t *testing.T) {
		if testing.Short() {
			t.Skip("-short: not building the binary")
		}
		out := filepath.Join(t.TempDir(), "chapterhouse")
		goBuild := exec.Command("go", "build", "-trimpath", "-o", out, "./cmd/chapterhouse")
		goBuild.Dir = "../.."
		goBuild.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
		if b, err := goBuild.CombinedOutput(); err != nil {
			t.Fatalf("CGO_ENABLED=0 go build -trimpath ./cmd/chapterhouse: %v\n%s", err, b)
		}
		f, err := elf.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Error("the binary asks for a dynamic loader (PT_INTERP): it is not static")
			}
		}
		if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
			t.Errorf("the binary links shared libraries %q (%v): it is not static", libs, err)
		}
		if runtime.GOOS != "linux" {
			return
		}
		// Like the image: nothing beside the binary, no environment.
		help := exec.Command(out, "help")
		help.Dir = t.TempDir()
		help.Env = []string{}
		b, err := help.CombinedOutput()
		if err != nil || !strings.Contains(string(b), "  serve ") || !strings.Contains(string(b), "  migrate ") {
			t.Errorf("the built binary's help failed or lacks serve and migrate: %v\n%s", err, b)
		}
	})
}

// TestDeployCommandsAreSubcommandsTheBinaryAccepts checks every command
// line deploy/ runs (the Dockerfile's CMD, each Kubernetes container, each
// compose service on the Chapterhouse image): its first word is a
// subcommand, and with the variables it asks for it gets past argument and
// configuration checks to connecting to the database.
func TestDeployCommandsAreSubcommandsTheBinaryAccepts(t *testing.T) {
	for _, bad := range [][]string{{"migrate", "sideways"}, {"serve", "--no-such-flag"}, {"frobnicate"}} {
		if _, code, _ := probeCommand(t, bad); code == 1 {
			t.Fatalf("control: %q reached the database; the check below could not fail", bad)
		}
	}
	cmd := dockerfileCmd(t)
	lines := map[string][]string{"Dockerfile CMD": cmd}
	k := loadKubernetes(t)
	for _, w := range k.workloads() {
		for _, c := range w.Spec.Template.Spec.Containers {
			where := fmt.Sprintf("%s %s, container %s", w.Kind, w.Metadata.Name, c.Name)
			lines[where] = containerArgv(t, where, c, cmd)
		}
	}
	compose := loadCompose(t)
	for _, name := range compose.chapterhouseServices() {
		where := "compose service " + name
		lines[where] = composeArgv(t, where, compose.Services[name], cmd)
	}
	var ran []string
	for where, argv := range lines {
		if len(argv) == 0 {
			t.Errorf("%s runs no subcommand", where)
			continue
		}
		if _, ok := commands()[argv[0]]; !ok {
			t.Errorf("%s runs %q: %q is not a subcommand", where, argv, argv[0])
			continue
		}
		if _, code, stderr := probeCommand(t, argv); code != 1 || !strings.Contains(stderr, "127.0.0.1:1") {
			t.Errorf("%s runs %q, which stops before connecting to the database: exit %d, %s", where, argv, code, stderr)
		}
		ran = append(ran, argv[0])
	}
	for _, want := range []string{"serve", "migrate"} {
		if !slices.Contains(ran, want) {
			t.Errorf("nothing under deploy/ runs %s", want)
		}
	}
}

// TestDeployKubernetesServeIsReplicatedAndLockedDown checks what the
// manifests promise beyond the variables: at least two serve replicas, a
// PodDisruptionBudget and a Service that select them, the migration Job,
// and for every container a non-root, read-only, unprivileged security
// context, resource requests and limits, and an image kustomization.yaml
// can retarget.
func TestDeployKubernetesServeIsReplicatedAndLockedDown(t *testing.T) {
	k := loadKubernetes(t)
	deps := k.byKind("Deployment")
	if len(deps) != 1 {
		t.Fatalf("%d Deployments; want 1", len(deps))
	}
	d := deps[0]
	podLabels := d.Spec.Template.Metadata.Labels
	if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
		t.Errorf("Deployment %s does not set replicas to 2 or more", d.Metadata.Name)
	}
	if sel := matchLabels(d.Spec.Selector); len(sel) == 0 || !subset(sel, podLabels) {
		t.Errorf("Deployment %s: selector %v does not select its pods %v", d.Metadata.Name, sel, podLabels)
	}
	pdbs := k.byKind("PodDisruptionBudget")
	if len(pdbs) == 0 {
		t.Error("no PodDisruptionBudget")
	}
	for _, p := range pdbs {
		if sel := matchLabels(p.Spec.Selector); len(sel) == 0 || !subset(sel, podLabels) {
			t.Errorf("PodDisruptionBudget %s: selector %v does not select the serve pods %v", p.Metadata.Name, sel, podLabels)
		}
		if min, ok := p.Spec.MinAvailable.(int); !ok || min < 1 || d.Spec.Replicas == nil || min >= *d.Spec.Replicas {
			t.Errorf("PodDisruptionBudget %s: minAvailable %v; want a number from 1 to replicas-1", p.Metadata.Name, p.Spec.MinAvailable)
		}
	}
	svcs := k.byKind("Service")
	if len(svcs) == 0 {
		t.Error("no Service")
	}
	serve := d.Spec.Template.Spec.Containers[0]
	for _, s := range svcs {
		sel := map[string]string{}
		for key, v := range s.Spec.Selector {
			sel[key], _ = v.(string)
		}
		if len(sel) == 0 || !subset(sel, podLabels) {
			t.Errorf("Service %s: selector %v does not select the serve pods %v", s.Metadata.Name, sel, podLabels)
		}
		for _, p := range s.Spec.Ports {
			if serve.portNumber(p.TargetPort) == 0 {
				t.Errorf("Service %s: targetPort %v is not a port of container %s", s.Metadata.Name, p.TargetPort, serve.Name)
			}
		}
	}
	if len(k.byKind("Job")) == 0 {
		t.Error("no migration Job")
	}
	if !slices.ContainsFunc(serve.VolumeMounts, func(m volumeMount) bool { return m.MountPath == "/tmp" }) {
		t.Errorf("container %s has a read-only root but no writable /tmp for large uploads", serve.Name)
	}

	images := map[string]bool{}
	for _, im := range readKustomization(t).Images {
		images[im.Name] = true
	}
	for _, w := range k.workloads() {
		pod := w.Spec.Template.Spec
		podNonRoot, _ := pod.SecurityContext["runAsNonRoot"].(bool)
		for _, c := range pod.Containers {
			where := fmt.Sprintf("%s %s, container %s", w.Kind, w.Metadata.Name, c.Name)
			sc := c.SecurityContext
			if sc == nil {
				t.Errorf("%s has no securityContext", where)
				continue
			}
			if !podNonRoot && !isTrue(sc.RunAsNonRoot) {
				t.Errorf("%s: runAsNonRoot is not true", where)
			}
			if !isTrue(sc.ReadOnlyRootFilesystem) {
				t.Errorf("%s: readOnlyRootFilesystem is not true", where)
			}
			if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
				t.Errorf("%s: allowPrivilegeEscalation is not false", where)
			}
			if !slices.Contains(sc.Capabilities.Drop, "ALL") {
				t.Errorf("%s: capabilities do not drop ALL", where)
			}
			for _, r := range []string{"cpu", "memory"} {
				if c.Resources.Requests[r] == nil || c.Resources.Limits[r] == nil {
					t.Errorf("%s: no %s request and limit", where, r)
				}
			}
			if name := imageName(c.Image); !images[name] {
				t.Errorf("%s: image %q is not in kustomization.yaml's images", where, c.Image)
			}
		}
	}
}

// neededVars returns the variables argv refuses to run without, learnt by
// running it, plus serveProductionVars for serve. It fails the test unless
// argv then gets as far as connecting to the database.
func neededVars(t *testing.T, argv []string) []string {
	t.Helper()
	vars, code, stderr := probeCommand(t, argv)
	if code != 1 || !strings.Contains(stderr, "127.0.0.1:1") {
		t.Fatalf("%q did not get as far as connecting to the database with %v set: exit %d, %s", argv, vars, code, stderr)
	}
	t.Logf("%q refuses to start without %v", argv, vars)
	if len(argv) > 0 && argv[0] == "serve" {
		for _, v := range serveProductionVars {
			if !slices.Contains(vars, v) {
				vars = append(vars, v)
			}
		}
	}
	return vars
}

// probeCommand runs argv in-process, starting with an empty environment and
// setting each variable an error names, until no error names a new one. It
// returns the variables set and the last exit status and stderr. A command
// whose configuration is complete reaches the database at unreachableDB and
// exits 1.
func probeCommand(t *testing.T, argv []string) (vars []string, code int, stderr string) {
	t.Helper()
	env := map[string]string{}
	known := knownVars()
	for range len(envVars) + 1 {
		var out, errOut bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		code = run(ctx, argv, mapEnv(env), strings.NewReader(""), &out, &errOut)
		cancel()
		stderr = errOut.String()
		if code == 0 {
			t.Fatalf("%q succeeded with %v set and no database: %s", argv, vars, out.String())
		}
		added := false
		for _, name := range envNameRE.FindAllString(stderr, -1) {
			if _, ok := known[name]; !ok || env[name] != "" {
				continue
			}
			env[name] = "x"
			if name == "DATABASE_URL" {
				env[name] = unreachableDB
			}
			vars = append(vars, name)
			added = true
		}
		if !added {
			break
		}
	}
	slices.Sort(vars)
	return vars, code, stderr
}

// mapEnv is a getenv over m.
func mapEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// denyAll authenticates nobody, so only public routes answer.
type denyAll struct{}

func (denyAll) Authenticate(*http.Request) (*auth.Principal, error) {
	return nil, errs.E(errs.Unauthenticated, "deploy test: no credentials are accepted")
}

// probeHandler is the real API router (the one serve mounts everything
// on) over a pool whose database does not answer. pgxpool connects
// lazily, so nothing is contacted until a handler uses the pool.
func probeHandler(t *testing.T) http.Handler {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), unreachableDB)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	reg := prometheus.NewRegistry()
	h, err := api.New(api.Deps{Pool: pool, Auth: denyAll{}, Logger: slog.New(slog.DiscardHandler), Registry: reg, Gatherer: reg})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func get(t *testing.T, h http.Handler, p string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
	return rec.Code, strings.TrimSpace(rec.Body.String())
}

// deployFiles lists the regular files under deploy/, relative to it, with
// slashes.
func deployFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(deployDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(deployDir, p)
		files = append(files, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("deploy/ is empty")
	}
	return files
}

func readDeploy(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(deployDir, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decodeAll decodes every document of a YAML stream into a T.
func decodeAll[T any](b []byte) ([]T, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var docs []T
	for {
		var d T
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return docs, err
		}
		docs = append(docs, d)
	}
}

// envEntry is one variable of chapterhouse.env.example.
type envEntry struct {
	value     string
	comment   string // the comment line just above, without "# "
	commented bool   // "# NAME=value": an unset variable and its default
	line      int
}

var envLineRE = regexp.MustCompile(`^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$`)

func parseEnvExample(t *testing.T) map[string]envEntry {
	t.Helper()
	entries := map[string]envEntry{}
	prev := ""
	sc := bufio.NewScanner(bytes.NewReader(readDeploy(t, "chapterhouse.env.example")))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		m := envLineRE.FindStringSubmatch(line)
		if m == nil {
			prev = line
			continue
		}
		if _, dup := entries[m[2]]; dup {
			t.Errorf("chapterhouse.env.example:%d: %s is listed twice", n, m[2])
		}
		e := envEntry{value: m[3], commented: m[1] != "", line: n}
		if strings.HasPrefix(prev, "#") {
			e.comment = strings.TrimSpace(strings.TrimPrefix(prev, "#"))
		}
		entries[m[2]] = e
		prev = line
	}
	return entries
}

// Kubernetes objects, as far as these tests read them.
type k8sObject struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`
	Spec       struct {
		Replicas *int `yaml:"replicas"`
		// Selector is a label map in a Service and holds matchLabels in a
		// Deployment or PodDisruptionBudget.
		Selector map[string]any `yaml:"selector"`
		Template struct {
			Metadata struct {
				Labels map[string]string `yaml:"labels"`
			} `yaml:"metadata"`
			Spec struct {
				SecurityContext map[string]any `yaml:"securityContext"`
				Containers      []container    `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
		Ports []struct {
			Name       string `yaml:"name"`
			Port       int    `yaml:"port"`
			TargetPort any    `yaml:"targetPort"`
		} `yaml:"ports"`
		MinAvailable any `yaml:"minAvailable"`
	} `yaml:"spec"`
}

type container struct {
	Name    string   `yaml:"name"`
	Image   string   `yaml:"image"`
	Command []string `yaml:"command"`
	Args    []string `yaml:"args"`
	Env     []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			SecretKeyRef    *keyRef `yaml:"secretKeyRef"`
			ConfigMapKeyRef *keyRef `yaml:"configMapKeyRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	EnvFrom []struct {
		Prefix       string `yaml:"prefix"`
		ConfigMapRef *struct {
			Name string `yaml:"name"`
		} `yaml:"configMapRef"`
		SecretRef *struct {
			Name string `yaml:"name"`
		} `yaml:"secretRef"`
	} `yaml:"envFrom"`
	Ports          []containerPort `yaml:"ports"`
	ReadinessProbe *probe          `yaml:"readinessProbe"`
	LivenessProbe  *probe          `yaml:"livenessProbe"`
	Resources      struct {
		Requests map[string]any `yaml:"requests"`
		Limits   map[string]any `yaml:"limits"`
	} `yaml:"resources"`
	SecurityContext *struct {
		RunAsNonRoot             *bool `yaml:"runAsNonRoot"`
		ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
		AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
		Capabilities             struct {
			Drop []string `yaml:"drop"`
		} `yaml:"capabilities"`
	} `yaml:"securityContext"`
	VolumeMounts []volumeMount `yaml:"volumeMounts"`
}

type keyRef struct {
	Name string `yaml:"name"`
	Key  string `yaml:"key"`
}

type containerPort struct {
	Name          string `yaml:"name"`
	ContainerPort int    `yaml:"containerPort"`
}

type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port any    `yaml:"port"`
	} `yaml:"httpGet"`
}

type volumeMount struct {
	Name      string `yaml:"name"`
	MountPath string `yaml:"mountPath"`
}

// portNumber resolves a probe or Service port (a number or the name of
// one of c's ports) to a number; 0 if it is neither.
func (c container) portNumber(p any) int {
	switch p := p.(type) {
	case int:
		return p
	case string:
		for _, cp := range c.Ports {
			if cp.Name == p {
				return cp.ContainerPort
			}
		}
	}
	return 0
}

type kustomization struct {
	Resources []string `yaml:"resources"`
	Images    []struct {
		Name string `yaml:"name"`
	} `yaml:"images"`
}

func readKustomization(t *testing.T) kustomization {
	t.Helper()
	var k kustomization
	if err := yaml.Unmarshal(readDeploy(t, "kubernetes/kustomization.yaml"), &k); err != nil {
		t.Fatalf("kustomization.yaml: %v", err)
	}
	if len(k.Resources) == 0 {
		t.Fatal("kustomization.yaml lists no resources")
	}
	return k
}

// kubernetes is what kustomization.yaml applies, and the example Secret.
type kubernetes struct {
	objects       []k8sObject
	secretExample k8sObject
}

func loadKubernetes(t *testing.T) kubernetes {
	t.Helper()
	var k kubernetes
	for _, r := range readKustomization(t).Resources {
		docs, err := decodeAll[k8sObject](readDeploy(t, "kubernetes/"+r))
		if err != nil {
			t.Fatalf("kubernetes/%s: %v", r, err)
		}
		k.objects = append(k.objects, docs...)
	}
	docs, err := decodeAll[k8sObject](readDeploy(t, "kubernetes/secret.example.yaml"))
	if err != nil || len(docs) != 1 || docs[0].Kind != "Secret" || len(docs[0].StringData) == 0 {
		t.Fatalf("kubernetes/secret.example.yaml: want one Secret with stringData (%v)", err)
	}
	k.secretExample = docs[0]
	return k
}

func (k kubernetes) byKind(kind string) []k8sObject {
	var out []k8sObject
	for _, o := range k.objects {
		if o.Kind == kind {
			out = append(out, o)
		}
	}
	return out
}

// workloads are the objects that run the image: Deployments and Jobs.
func (k kubernetes) workloads() []k8sObject {
	return append(k.byKind("Deployment"), k.byKind("Job")...)
}

// containerEnv returns the variables c sets (with a value, from a
// ConfigMap or from a Secret), each with where it comes from.
func (k kubernetes) containerEnv(t *testing.T, where string, c container) map[string]string {
	t.Helper()
	set := map[string]string{}
	for _, ef := range c.EnvFrom {
		switch {
		case ef.ConfigMapRef != nil:
			cm := k.find("ConfigMap", ef.ConfigMapRef.Name)
			if cm == nil {
				t.Errorf("%s: envFrom ConfigMap %q is not among kustomization.yaml's resources", where, ef.ConfigMapRef.Name)
				continue
			}
			for key := range cm.Data {
				set[ef.Prefix+key] = "ConfigMap " + cm.Metadata.Name
			}
		case ef.SecretRef != nil:
			for key := range k.secretExample.StringData {
				set[ef.Prefix+key] = "envFrom Secret " + ef.SecretRef.Name
			}
		}
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
			set[e.Name] = "secret " + e.ValueFrom.SecretKeyRef.Name
		case e.ValueFrom != nil:
			set[e.Name] = "valueFrom"
		case e.Value != "":
			set[e.Name] = "a literal value"
		}
	}
	return set
}

func (k kubernetes) find(kind, name string) *k8sObject {
	for i, o := range k.objects {
		if o.Kind == kind && o.Metadata.Name == name {
			return &k.objects[i]
		}
	}
	return nil
}

// addrPort is the port of CHAPTERHOUSE_ADDR in the ConfigMaps, or 8080,
// serve's default, when none sets it.
func (k kubernetes) addrPort(t *testing.T) int {
	t.Helper()
	addr := ":8080"
	for _, cm := range k.byKind("ConfigMap") {
		if a := cm.Data["CHAPTERHOUSE_ADDR"]; a != "" {
			addr = a
		}
	}
	_, p, err := net.SplitHostPort(addr)
	n, err2 := strconv.Atoi(p)
	if err != nil || err2 != nil {
		t.Fatalf("CHAPTERHOUSE_ADDR %q has no port", addr)
	}
	return n
}

func matchLabels(sel map[string]any) map[string]string {
	m, _ := sel["matchLabels"].(map[string]any)
	out := map[string]string{}
	for k, v := range m {
		out[k], _ = v.(string)
	}
	return out
}

func subset(a, b map[string]string) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func isTrue(b *bool) bool { return b != nil && *b }

// imageName is an image reference without its tag or digest, the name
// kustomization.yaml's images match.
func imageName(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	return ref
}

// containerArgv is the command line c runs: its args after the image's
// entrypoint, or the image's CMD. Overriding the entrypoint with anything
// but /chapterhouse is an error.
func containerArgv(t *testing.T, where string, c container, imageCmd []string) []string {
	t.Helper()
	if len(c.Command) > 0 && !slices.Equal(c.Command, []string{"/chapterhouse"}) {
		t.Errorf("%s replaces the entrypoint with %q", where, c.Command)
	}
	if len(c.Args) == 0 {
		return imageCmd
	}
	return c.Args
}

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       map[string]any    `yaml:"build"`
	Entrypoint  []string          `yaml:"entrypoint"`
	Command     []string          `yaml:"command"`
	EnvFile     []string          `yaml:"env_file"`
	Environment map[string]string `yaml:"environment"`
	Healthcheck *struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	var c composeFile
	if err := yaml.Unmarshal(readDeploy(t, "compose.yaml"), &c); err != nil {
		t.Fatalf("compose.yaml (environment must be a mapping, command and env_file lists): %v", err)
	}
	return c
}

// chapterhouseServices are the compose services that run the image
// deploy/Dockerfile builds.
func (c composeFile) chapterhouseServices() []string {
	var out []string
	for name, s := range c.Services {
		if s.Build != nil || strings.HasPrefix(s.Image, "chapterhouse:") {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

func composeArgv(t *testing.T, where string, s composeService, imageCmd []string) []string {
	t.Helper()
	if len(s.Entrypoint) > 0 {
		t.Errorf("%s replaces the entrypoint with %q", where, s.Entrypoint)
	}
	if len(s.Command) == 0 {
		return imageCmd
	}
	return s.Command
}

// composeEnv returns the variables s sets: its env_file entries, then its
// environment. chapterhouse.env is the user's copy of
// chapterhouse.env.example, which stands in for it here.
func composeEnv(t *testing.T, where string, s composeService) map[string]string {
	t.Helper()
	set := map[string]string{}
	for _, f := range s.EnvFile {
		if f != "chapterhouse.env" {
			t.Errorf("%s reads env_file %s; the tests know chapterhouse.env (a copy of chapterhouse.env.example)", where, f)
			continue
		}
		for name, e := range parseEnvExample(t) {
			if !e.commented {
				set[name] = e.value
			}
		}
	}
	for name, v := range s.Environment {
		set[name] = v
	}
	return set
}

// dockerfile is deploy/Dockerfile, as far as these tests read it.
type dockerfile struct {
	stages []dockerStage
}

// dockerStage is a FROM and the instructions after it, as (keyword,
// rest) pairs with line continuations joined.
type dockerStage struct {
	image  string // with ${ARG} expanded from the global ARG defaults
	instrs [][2]string
}

// instr returns the arguments of the stage's last instruction named kw.
func (s dockerStage) instr(kw string) string {
	for i := len(s.instrs) - 1; i >= 0; i-- {
		if s.instrs[i][0] == kw {
			return s.instrs[i][1]
		}
	}
	return ""
}

// run returns the first RUN instruction containing sub.
func (s dockerStage) run(sub string) string {
	for _, in := range s.instrs {
		if in[0] == "RUN" && strings.Contains(in[1], sub) {
			return in[1]
		}
	}
	return ""
}

// execForm parses kw's JSON (exec) form, failing the test on shell form.
func (s dockerStage) execForm(t *testing.T, kw string) []string {
	t.Helper()
	var argv []string
	if err := json.Unmarshal([]byte(s.instr(kw)), &argv); err != nil {
		t.Errorf("Dockerfile %s %q is not in exec (JSON) form: %v", kw, s.instr(kw), err)
	}
	return argv
}

func parseDockerfile(t *testing.T) dockerfile {
	t.Helper()
	var df dockerfile
	args := map[string]string{}
	var logical []string
	cur := ""
	for _, line := range strings.Split(string(readDeploy(t, "Dockerfile")), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur == "") {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur += strings.TrimSuffix(trimmed, "\\") + " "
			continue
		}
		logical = append(logical, cur+trimmed)
		cur = ""
	}
	argRE := regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?`)
	for _, l := range logical {
		kw, rest, _ := strings.Cut(l, " ")
		kw, rest = strings.ToUpper(kw), strings.TrimSpace(rest)
		switch {
		case kw == "ARG" && len(df.stages) == 0:
			name, def, _ := strings.Cut(rest, "=")
			args[name] = def
		case kw == "FROM":
			image := strings.Fields(rest)[0]
			image = argRE.ReplaceAllStringFunc(image, func(m string) string {
				return args[argRE.FindStringSubmatch(m)[1]]
			})
			df.stages = append(df.stages, dockerStage{image: image})
		case len(df.stages) > 0:
			s := &df.stages[len(df.stages)-1]
			s.instrs = append(s.instrs, [2]string{kw, rest})
		}
	}
	if len(df.stages) < 2 {
		t.Fatalf("Dockerfile has %d stages; want a build stage and a runtime stage", len(df.stages))
	}
	return df
}

// dockerfileCmd is the image's default command line.
func dockerfileCmd(t *testing.T) []string {
	t.Helper()
	df := parseDockerfile(t)
	return df.stages[len(df.stages)-1].execForm(t, "CMD")
}

// goModVersion is go.mod's go directive.
func goModVersion(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go\s+(\S+)\s*$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("go.mod has no go directive")
	}
	return string(m[1])
}
