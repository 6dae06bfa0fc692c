#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A local nginx (Debian's nginx-light, WebDAV PUT) in a prefix of its own, as the collector the
/// `ship` benchmark uploads to: one process (`master_process off`), no root needed.
struct NginxServer {
    let pid: pid_t
    let port: Int
    let root: String

    static let binary: String? = ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"].first { access($0, X_OK) == 0 }

    /// Starts nginx under `prefix` (created if missing) and waits until it accepts connections.
    static func start(prefix: String) -> NginxServer? {
        guard let binary else { return nil }
        let port = LocalPort.free()
        let root = prefix + "/root"
        for directory in [prefix, root, prefix + "/tmp"] { mkdir(directory, 0o755) }
        let conf = """
            daemon off;
            master_process off;
            worker_processes 1;
            pid \(prefix)/nginx.pid;
            error_log \(prefix)/error.log warn;
            events { worker_connections 64; }
            http {
                access_log off;
                client_body_temp_path \(prefix)/tmp/body;
                proxy_temp_path \(prefix)/tmp/proxy;
                fastcgi_temp_path \(prefix)/tmp/fastcgi;
                uwsgi_temp_path \(prefix)/tmp/uwsgi;
                scgi_temp_path \(prefix)/tmp/scgi;
                client_max_body_size 256m;
                client_body_buffer_size 1m;
                server {
                    listen 127.0.0.1:\(port);
                    root \(root);
                    location / { dav_methods PUT; create_full_put_path on; }
                }
            }

            """
        let confPath = prefix + "/nginx.conf"
        let fd = open(confPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { return nil }
        _ = conf.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
        close(fd)

        let arguments = [binary, "-p", prefix + "/", "-c", confPath, "-e", prefix + "/error.log"]
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, binary, nil, nil, &argv, environ) == 0 else { return nil }
        for _ in 0..<200 {
            if LocalPort.accepts(port) { return NginxServer(pid: pid, port: port, root: root) }
            usleep(25_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, nil, 0)
        return nil
    }

    func stop() {
        kill(pid, SIGKILL)
        waitpid(pid, nil, 0)
    }

    /// User + system CPU seconds the nginx process has used, from /proc/<pid>/stat.
    var cpuSeconds: Double { ProcessCPU.seconds(pid) }
}
