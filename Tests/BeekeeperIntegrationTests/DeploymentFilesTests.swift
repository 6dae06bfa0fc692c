import BeekeeperCore
import Foundation
import Testing

/// `deploy/`: the systemd unit, the container image, the compose stack and the Kubernetes
/// sidecar, each judged by the tool that would reject it (systemd-analyze, the Kubernetes schemas,
/// the Debian archive, `beekeeper config check`, promtool) since no engine or cluster runs here.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DeploymentFilesTests {
    static let root = SidecarProcess.packageRoot

    /// The tool, or a recorded failure in CI (a skip elsewhere).
    static func tool(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        if let path = Requirements.which(name) { return path }
        if Requirements.isCI { Issue.record("\(name) required in CI", sourceLocation: sourceLocation) } else { print("skipping: \(name) not installed") }
        return nil
    }

    static func scratch() throws -> String {
        let path = NSTemporaryDirectory() + "beekeeper-deploy-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// `beekeeper config check` on a file: exit 0, or the error it printed.
    static func configCheck(_ path: String) throws -> (status: Int32, output: String) {
        let result = try Program.run(SidecarProcess.binary, ["config", "check", "--config", path])
        return (result.status, result.output)
    }

    /// Runs Python with PyYAML on `script`, with the repository root as working directory; its stdout parsed as JSON.
    static func python(_ script: String, _ arguments: [String] = []) throws -> JSONValue {
        let result = try Program.run(SidecarProcess.python, ["-c", script] + arguments, directory: root)
        guard result.status == 0 else { throw HarnessError("python: \(result.output)") }
        return try JSONValue.parse(result.stdout)
    }

    @Test("systemd-analyze accepts the unit, which signals only Beekeeper on stop")
    func systemdUnit() throws {
        guard let analyze = Self.tool("systemd-analyze") else { return }
        let unit = try String(contentsOfFile: Self.root + "/deploy/systemd/beekeeper.service", encoding: .utf8)
        // Bees must be drained by Beekeeper, not signalled by systemd at the same moment.
        #expect(unit.contains("\nKillMode=mixed\n"))
        #expect(unit.contains("\nExecStart=/usr/local/bin/beekeeper serve --config /etc/beekeeper/beekeeper.yaml\n"))
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The unit names the installed binary; verify it against the one just built.
        try unit.replacingOccurrences(of: "/usr/local/bin/beekeeper", with: SidecarProcess.binary)
            .write(toFile: directory + "/beekeeper.service", atomically: true, encoding: .utf8)
        let result = try Program.run(analyze, ["verify", directory + "/beekeeper.service"])
        #expect(result.status == 0 && result.output.isEmpty, "\(result.output)")
    }

    @Test("every Beekeeper configuration shipped in deploy/ passes config check")
    func shippedConfigurations() throws {
        var paths = ["deploy/examples/beekeeper.yaml", "deploy/container/beekeeper.yaml", "deploy/compose/beekeeper.yaml"].map { Self.root + "/" + $0 }
        // The Kubernetes ConfigMap embeds one.
        let embedded = try Self.python("""
            import json, yaml
            docs = list(yaml.safe_load_all(open('deploy/kubernetes/beekeeper-sidecar.yaml')))
            print(json.dumps([d['data']['beekeeper.yaml'] for d in docs if d['kind'] == 'ConfigMap' and 'beekeeper.yaml' in d.get('data', {})]))
            """)
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        guard case .array(let texts) = embedded, let text = texts.first?.stringValue else {
            Issue.record("no beekeeper.yaml in the Kubernetes ConfigMap")
            return
        }
        try text.write(toFile: directory + "/kubernetes.yaml", atomically: true, encoding: .utf8)
        paths.append(directory + "/kubernetes.yaml")
        for path in paths {
            let result = try Self.configCheck(path)
            #expect(result.status == 0, "\(path): \(result.output)")
        }
    }

    @Test("the Kubernetes manifests pass the 1.30 schemas strictly, and probes reach the configured port")
    func kubernetesManifests() throws {
        let available = try Program.run(SidecarProcess.python, ["-c", "import kubernetes_validate"])
        guard available.status == 0 else {
            if Requirements.isCI { Issue.record("python3 -m pip install kubernetes-validate: required in CI") } else { print("skipping: kubernetes-validate not installed") }
            return
        }
        let manifest = Self.root + "/deploy/kubernetes/beekeeper-sidecar.yaml"
        let result = try Program.run(SidecarProcess.python, ["-m", "kubernetes_validate", "--strict", "--quiet", "-k", "1.30.0", manifest])
        #expect(result.status == 0, "\(result.output)")
        let facts = try Self.python("""
            import json, yaml
            docs = list(yaml.safe_load_all(open('deploy/kubernetes/beekeeper-sidecar.yaml')))
            config = yaml.safe_load(next(d for d in docs if d['kind'] == 'ConfigMap')['data']['beekeeper.yaml'])
            pod = next(d for d in docs if d['kind'] == 'StatefulSet')['spec']['template']
            sidecar = next(c for c in pod['spec']['initContainers'] if c['name'] == 'beekeeper')
            ports = {p['name']: p['containerPort'] for p in sidecar['ports']}
            probes = {k: sidecar[k]['httpGet'] for k in ('startupProbe', 'livenessProbe', 'readinessProbe')}
            timeouts = [int(b['timeout'].rstrip('s')) for b in config['bees']]
            print(json.dumps({
              'listen_port': int(config['listen'].rsplit(':', 1)[1]),
              'metrics_port': ports.get('metrics'),
              'probe_ports': sorted({p['port'] for p in probes.values()}),
              'readiness': probes['readinessProbe']['path'], 'liveness': probes['livenessProbe']['path'],
              'native_sidecar': sidecar.get('restartPolicy') == 'Always',
              'grace': pod['spec']['terminationGracePeriodSeconds'], 'longest_timeout': max(timeouts),
              'scrape_annotation': pod['metadata']['annotations'].get('beekeeper.io/scrape'),
              'data_mount': any(m['mountPath'] == config['data_dir'] for m in sidecar['volumeMounts']),
            }))
            """)
        #expect(facts["listen_port"] == facts["metrics_port"], "\(facts.serialized())")
        #expect(facts["probe_ports"] == ["metrics"])
        #expect(facts["readiness"] == "/readyz" && facts["liveness"] == "/healthz")
        #expect(facts["native_sidecar"] == true)
        #expect((facts["grace"]?.intValue ?? 0) > (facts["longest_timeout"]?.intValue ?? .max), "grace period shorter than a bee timeout")
        #expect(facts["scrape_annotation"] == "true")
        #expect(facts["data_mount"] == true, "data_dir is not on the persistent volume")
    }

    @Test("the compose stack mounts files that exist, and its Prometheus config and rules load")
    func composeStack() throws {
        guard let promtool = Self.tool("promtool") else { return }
        let facts = try Self.python("""
            import json, os, yaml
            base = 'deploy/compose'
            stack = yaml.safe_load(open(os.path.join(base, 'compose.yaml')))
            sources = []
            for name, service in stack['services'].items():
                for volume in service.get('volumes', []):
                    source = volume.split(':')[0]
                    if source.startswith('.'):
                        sources.append(source)
                for env in service.get('env_file', []):
                    sources.append(env)
                build = service.get('build')
                if build:
                    sources.append(build['context'])
                    sources.append(os.path.join(build['context'], build['dockerfile']))
            missing = [s for s in sources if not os.path.exists(os.path.join(base, s))]
            named = [v.split(':')[0] for s in stack['services'].values() for v in s.get('volumes', []) if not v.startswith('.')]
            print(json.dumps({'checked': len(sources), 'missing': missing,
                              'undeclared_volumes': [v for v in named if v not in (stack.get('volumes') or {})],
                              'grace': stack['services']['beekeeper'].get('stop_grace_period')}))
            """)
        #expect((facts["checked"]?.intValue ?? 0) >= 10)
        #expect(facts["missing"] == [], "\(facts.serialized())")
        #expect(facts["undeclared_volumes"] == [], "\(facts.serialized())")
        #expect(facts["grace"] == "90s")
        // The stack's Prometheus config, with the rule path it mounts pointed at the repository's.
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = try String(contentsOfFile: Self.root + "/deploy/compose/prometheus.yml", encoding: .utf8)
            .replacingOccurrences(of: "/etc/prometheus/rules/", with: Self.root + "/prometheus/rules/")
        try config.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        let result = try Program.run(promtool, ["check", "config", directory + "/prometheus.yml"])
        #expect(result.status == 0 && result.output.contains("SUCCESS: 21 rules found"), "\(result.output)")
    }

    @Test("the container image copies files that exist and installs every shared library the binary needs")
    func containerImage() throws {
        guard let readelf = Self.tool("readelf"), let dpkg = Self.tool("dpkg-query"), let aptCache = Self.tool("apt-cache") else { return }
        let containerfile = try String(contentsOfFile: Self.root + "/deploy/container/Containerfile", encoding: .utf8)
        let lines = containerfile.replacingOccurrences(of: "\\\n", with: " ").split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        // COPY sources from the build context (the repository root); --from copies come from a stage.
        for line in lines where line.hasPrefix("COPY ") && !line.contains("--from=") {
            let parts = line.split(separator: " ").dropFirst().map(String.init)
            for source in parts.dropLast() {
                #expect(FileManager.default.fileExists(atPath: Self.root + "/" + source), "COPY \(source): not in the repository")
            }
        }
        // The runtime stage's packages: the apt-get install line after the last FROM.
        let runtime = lines.split(whereSeparator: { $0.hasPrefix("FROM ") }).last ?? []
        guard let install = runtime.first(where: { $0.contains("apt-get install") }) else {
            Issue.record("no apt-get install in the runtime stage")
            return
        }
        let words = install.split(separator: " ").map(String.init)
        let start = words.firstIndex(of: "--no-install-recommends").map { $0 + 1 } ?? words.count
        let packages = Set(words[start...].prefix { !$0.hasPrefix("&&") && $0 != "\\" })
        #expect(packages.isSuperset(of: ["libsodium23", "zlib1g", "libcurl4", "libpq5", "python3", "postgresql-client"]), "\(packages.sorted())")
        for package in packages {
            let shown = try Program.run(aptCache, ["show", "--no-all-versions", package])
            #expect(shown.status == 0 && shown.stdout.contains("Package: \(package)"), "\(package) is not a Debian package: \(shown.stderr)")
        }
        // Every shared library the binary links directly, other than the Swift runtime (linked
        // statically by --static-swift-stdlib), comes from one of those packages or from the base image.
        let dynamic = try Program.run(readelf, ["-d", SidecarProcess.binary])
        #expect(dynamic.status == 0, "\(dynamic.output)")
        let needed = dynamic.stdout.split(separator: "\n").compactMap { line -> String? in
            guard line.contains("(NEEDED)"), let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]") else { return nil }
            return String(line[line.index(after: open)..<close])
        }
        #expect(needed.contains("libsodium.so.23") && needed.contains("libcurl.so.4"), "\(needed)")
        let swiftRuntime = ["libswift", "libFoundation", "lib_FoundationICU", "libdispatch", "libBlocksRuntime"]
        let baseImage: Set<String> = ["libc6", "libgcc-s1", "libstdc++6"]
        for library in needed where !swiftRuntime.contains(where: library.hasPrefix) && !library.hasPrefix("ld-linux") {
            let owner = try Program.run(dpkg, ["-S", "*/\(library)"])
            let package = owner.stdout.split(separator: ":").first.map(String.init) ?? "?"
            #expect(owner.status == 0 && (packages.contains(package) || baseImage.contains(package)), "\(library) comes from \(package), which the runtime stage does not install")
        }
    }
}
