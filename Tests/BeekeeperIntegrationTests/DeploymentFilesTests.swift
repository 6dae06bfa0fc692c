import BeekeeperCore
import Foundation
import Testing

/// `deploy/`: the systemd unit, the container image, the compose stack and the Kubernetes
/// StatefulSet (both with Beekeeper as the ColonyOS executor), each judged by the tool that would
/// reject it (systemd-analyze, the Kubernetes schemas, the Debian archive, `beekeeper config
/// check`, promtool) since no engine, cluster or Colonies server runs here.
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

    @Test("the unit waits for READY=1 and reloads with SIGHUP")
    func systemdUnitNotifiesAndReloads() throws {
        let unit = try String(contentsOfFile: Self.root + "/deploy/systemd/beekeeper.service", encoding: .utf8)
        #expect(unit.contains("\nType=notify\n"))
        #expect(unit.contains("\nExecReload=/bin/kill -HUP $MAINPID\n"))
    }

    /// The executor container of the first Kubernetes example set these beside Beekeeper in one pod
    /// (`BEEKEEPER_URL`, `BEEKEEPER_KEY_NAME`, `BEEKEEPER_KEY_FILE`), and compose's setup sets
    /// `BEEKEEPER_UID`: a client's variables with Beekeeper's prefix must not stop the sidecar.
    @Test("the deploy examples' environment variables, as written, leave every command working")
    func exampleEnvironment() throws {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BEEKEEPER_") }
        let manifest = try Self.python("""
            import json, yaml
            env = {}
            for doc in yaml.safe_load_all(open('deploy/kubernetes/beekeeper-sidecar.yaml')):
                spec = ((doc or {}).get('spec') or {}).get('template', {}).get('spec', {})
                for c in spec.get('containers', []) + spec.get('initContainers', []):
                    for e in c.get('env', []):
                        env[e['name']] = e.get('value', 'from-a-secret')
            print(json.dumps(env))
            """)
        for member in manifest.objectValue ?? [] { environment[member.key] = member.value.stringValue }
        environment["BEEKEEPER_URL"] = "http://127.0.0.1:9477"
        environment["BEEKEEPER_KEY_NAME"] = "executor"
        environment["BEEKEEPER_KEY_FILE"] = "/etc/beekeeper-client/executor.key"
        environment["BEEKEEPER_UID"] = "10001"
        let check = try Program.run(SidecarProcess.binary, ["config", "check"], environment: environment)
        #expect(check.status == 0, "\(check.output)")
        environment["BEEKEEPER_AUDIT_FSINC"] = "always"
        let misspelt = try Program.run(SidecarProcess.binary, ["config", "check"], environment: environment)
        #expect(misspelt.status == 2 && misspelt.output.contains("BEEKEEPER_AUDIT_FSINC"), "\(misspelt.output)")
    }

    @Test("the Kubernetes scrape job sends the bearer token the manifest's sidecar asks for")
    func kubernetesScrapeSendsTheToken() throws {
        let found = try Self.python("""
            import json, yaml
            docs = [d for d in yaml.safe_load_all(open('deploy/kubernetes/beekeeper-sidecar.yaml')) if d]
            config = next(yaml.safe_load(d['data']['beekeeper.yaml']) for d in docs if d['kind'] == 'ConfigMap' and 'beekeeper.yaml' in d.get('data', {}))
            token_file = (config.get('metrics') or {}).get('bearer_token_file')
            spec = next(d for d in docs if d['kind'] == 'StatefulSet')['spec']['template']['spec']
            mount = next(m for c in spec['containers'] for m in c.get('volumeMounts', []) if token_file and token_file.startswith(m['mountPath'] + '/'))
            volume = next(v for v in spec['volumes'] if v['name'] == mount['name'])['secret']
            key = next(i['key'] for i in volume['items'] if mount['mountPath'] + '/' + i['path'] == token_file)
            job = next(j for j in yaml.safe_load(open('prometheus/kubernetes-scrape.yml'))['scrape_configs'] if j['job_name'] == 'beekeeper')
            print(json.dumps({'token_file': token_file, 'secret': volume['secretName'], 'key': key, 'auth': job.get('authorization') or {}}))
            """)
        #expect(found["token_file"]?.stringValue != nil)
        let auth = found["auth"]
        #expect(auth?["type"]?.stringValue ?? "Bearer" == "Bearer")
        let credentials = try #require(auth?["credentials_file"]?.stringValue, "the scrape job sends no token: every scrape gets 401")
        // The same Secret key, mounted into Prometheus.
        #expect(credentials.hasSuffix("/" + (found["secret"]?.stringValue ?? "?") + "/" + (found["key"]?.stringValue ?? "?")), "\(credentials)")
    }

    /// A scratch secp256k1 private key file (64 hex, mode 0600) for configurations with a `colonies`
    /// section, whose executor_key_file names a path that exists only in the container.
    static func scratchExecutorKey(in directory: String) throws -> String {
        let path = directory + "/executor.key"
        let key = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 1...255)) }.joined()
        guard FileManager.default.createFile(atPath: path, contents: Data((key + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw HarnessError("cannot write \(path)")
        }
        return path
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
        // The executor key lives in a volume or Secret of the container; check each config with a
        // real key file in its place.
        let key = try Self.scratchExecutorKey(in: directory)
        var withColonies = 0
        for (index, path) in paths.enumerated() {
            var checked = path
            let original = try String(contentsOfFile: path, encoding: .utf8)
            let keyLine = try NSRegularExpression(pattern: #"^(\s*executor_key_file:\s*)(\S+)"#, options: .anchorsMatchLines)
            let range = NSRange(original.startIndex..., in: original)
            if keyLine.firstMatch(in: original, range: range) != nil {
                withColonies += 1
                checked = directory + "/config-\(index).yaml"
                try keyLine.stringByReplacingMatches(in: original, range: range, withTemplate: "$1" + NSRegularExpression.escapedTemplate(for: key))
                    .write(toFile: checked, atomically: true, encoding: .utf8)
            }
            let result = try Self.configCheck(checked)
            #expect(result.status == 0, "\(path): \(result.output)")
        }
        #expect(withColonies == 2, "the compose and Kubernetes configurations should both run Beekeeper as a ColonyOS executor")
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
            import json, os, yaml
            def key_mount(config, container, pod, docs):
                # The executor key: a file of a Secret volume, mounted read-only where the config reads it.
                directory, name = os.path.split((config.get('colonies') or {}).get('executor_key_file', ''))
                mount = next((m for m in container['volumeMounts'] if m['mountPath'] == directory), {})
                volume = next((v for v in pod['spec']['volumes'] if v['name'] == mount.get('name')), {})
                secret = volume.get('secret', {})
                items = {i['path']: i['key'] for i in secret.get('items', [])}
                manifest = next((d for d in docs if d['kind'] == 'Secret' and d['metadata']['name'] == secret.get('secretName')), {})
                return {'read_only': mount.get('readOnly', False), 'mode': oct(secret.get('defaultMode', 0o644)),
                        'in_secret': name in items and items[name] in manifest.get('stringData', manifest.get('data', {}))}
            docs = list(yaml.safe_load_all(open('deploy/kubernetes/beekeeper-sidecar.yaml')))
            config = yaml.safe_load(next(d for d in docs if d['kind'] == 'ConfigMap')['data']['beekeeper.yaml'])
            statefulset = next(d for d in docs if d['kind'] == 'StatefulSet')
            pod = statefulset['spec']['template']
            containers = pod['spec']['containers'] + pod['spec'].get('initContainers', [])
            sidecar = next(c for c in containers if c['name'] == 'beekeeper')
            ports = {p['name']: p['containerPort'] for p in sidecar['ports']}
            probes = {k: sidecar[k]['httpGet'] for k in ('startupProbe', 'livenessProbe', 'readinessProbe')}
            timeouts = [int(b['timeout'].rstrip('s')) for b in config['bees']]
            print(json.dumps({
              'listen_port': int(config['listen'].rsplit(':', 1)[1]),
              'metrics_port': ports.get('metrics'),
              'probe_ports': sorted({p['port'] for p in probes.values()}),
              'readiness': probes['readinessProbe']['path'], 'liveness': probes['livenessProbe']['path'],
              # Beekeeper is the executor: the only container, a regular one, one replica per identity.
              'only_beekeeper': [c['name'] for c in containers] == ['beekeeper'] and sidecar in pod['spec']['containers'],
              'replicas': statefulset['spec']['replicas'],
              'grace': pod['spec']['terminationGracePeriodSeconds'], 'longest_timeout': max(timeouts),
              'scrape_annotation': pod['metadata']['annotations'].get('beekeeper.io/scrape'),
              'data_mount': any(m['mountPath'] == config['data_dir'] for m in sidecar['volumeMounts']),
              'colonies': sorted((config.get('colonies') or {}).keys()),
              'key': key_mount(config, sidecar, pod, docs),
              'bees': [b['command'] for b in config['bees']],
            }))
            """)
        #expect(facts["listen_port"] == facts["metrics_port"], "\(facts.serialized())")
        #expect(facts["probe_ports"] == ["metrics"])
        #expect(facts["readiness"] == "/readyz" && facts["liveness"] == "/healthz")
        #expect(facts["only_beekeeper"] == true, "Beekeeper is the executor: no other container")
        #expect(facts["replicas"] == 1, "one executor identity, one Beekeeper")
        #expect(facts["colonies"] == ["assign_timeout", "colony", "concurrency", "executor_key_file", "executor_name", "executor_type", "keepalive_interval", "server"], "\(facts.serialized())")
        #expect(facts["key"]?["read_only"] == true && facts["key"]?["in_secret"] == true, "\(facts.serialized())")
        #expect(["0o400", "0o600"].contains(facts["key"]?["mode"]?.stringValue ?? ""), "executor key mode: \(facts.serialized())")
        // The bees ship in the image: every bee runs a script the Containerfile copies in.
        try Self.expectBeesInImage(facts["bees"])
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
        #expect(result.status == 0 && result.output.contains("SUCCESS: \(OperationsFilesTests.ruleCount) rules found"), "\(result.output)")
    }

    @Test("the compose stack runs Beekeeper as the executor of a Colonies server set up as COLONYOS.md section 1 says")
    func composeColonies() throws {
        let result = try Program.run(SidecarProcess.python, [Self.root + "/Tests/BeekeeperIntegrationTests/Tools/compose_colonies.py", "deploy/compose"], directory: Self.root)
        #expect(result.status == 0, "\(result.output)")
        let report = try JSONValue.parse(result.stdout)
        #expect(report["problems"] == [], "\(report["problems"]?.serialized() ?? "")")
        // The setup script is POSIX sh (the image's busybox runs it).
        if let script = report["facts"]?["script"]?.stringValue, let sh = Self.tool("sh") {
            let syntax = try Program.run(sh, ["-n", script], directory: Self.root)
            #expect(syntax.status == 0, "\(syntax.output)")
        }
        let config = try Self.python("""
            import json, yaml
            print(json.dumps([b['command'] for b in yaml.safe_load(open('deploy/compose/beekeeper.yaml'))['bees']]))
            """)
        try Self.expectBeesInImage(config)
    }

    /// Each bee command that names a script under the image's /opt/beekeeper/bees runs one that the
    /// Containerfile copies there from deploy/examples/bees.
    static func expectBeesInImage(_ commands: JSONValue?, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let containerfile = try String(contentsOfFile: root + "/deploy/container/Containerfile", encoding: .utf8)
        #expect(containerfile.contains("\nCOPY deploy/examples/bees /opt/beekeeper/bees\n"), sourceLocation: sourceLocation)
        let scripts = (commands?.arrayValue ?? []).compactMap { $0.arrayValue?.compactMap(\.stringValue).first { $0.hasPrefix("/opt/") } }
        #expect(!scripts.isEmpty && scripts.count == commands?.arrayValue?.count, "every bee should run a script from the image: \(commands?.serialized() ?? "")", sourceLocation: sourceLocation)
        for script in scripts {
            #expect(script.hasPrefix("/opt/beekeeper/bees/"), "\(script) is not in the image", sourceLocation: sourceLocation)
            let source = root + "/deploy/examples/bees/" + (script as NSString).lastPathComponent
            #expect(FileManager.default.fileExists(atPath: source), "\(script): no \(source) to copy into the image", sourceLocation: sourceLocation)
        }
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
