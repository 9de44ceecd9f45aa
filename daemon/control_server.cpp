#include "daemon/control_server.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "daemon/control_access.h"

namespace hacluster::daemon {

namespace {
constexpr std::uint64_t idle_ms = 30'000;
}

struct ControlServer::Connection : std::enable_shared_from_this<Connection> {
    ControlServer* server = nullptr;
    resources::UvHandle<uv_pipe_t> pipe;
    std::string buffer;
    bool open = true;
    std::uint64_t last_active = 0;
    std::optional<uid_t> peer_uid;  // SO_PEERCRED at accept (daemon/control_access.h)

    void write_line(const nlohmann::json& answer) {
        if (!open) return;
        auto* text = new std::string(answer.dump() + "\n");
        auto* req = new uv_write_t{};
        req->data = text;
        uv_buf_t buf = uv_buf_init(text->data(), static_cast<unsigned>(text->size()));
        const int rc = uv_write(req, reinterpret_cast<uv_stream_t*>(pipe.get()), &buf, 1,
                                [](uv_write_t* r, int) noexcept {
                                    delete static_cast<std::string*>(r->data);
                                    delete r;
                                });
        if (rc != 0) {
            delete text;
            delete req;
        }
    }
};

ControlServer::ControlServer(uv_loop_t* loop, Handler handler)
    : loop_(loop), handler_(std::move(handler)) {}

ControlServer::~ControlServer() { close(); }

void ControlServer::close() {
    for (auto& c : connections_) c->open = false;
    connections_.clear();
    server_.reset();
    idle_timer_.reset();
    if (!path_.empty()) {
        ::unlink(path_.c_str());
        path_.clear();
    }
}

std::optional<std::string> ControlServer::listen(const std::string& path) {
    // A socket left by a daemon that died is replaced; a live one is not ours to take.
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) return "control socket " + path + ": exists and is not a socket";
        ::unlink(path.c_str());
    }
    if (int rc = server_.init(this, [&](uv_pipe_t* h) { return uv_pipe_init(loop_, h, 0); }); rc != 0) {
        return "control socket " + path + ": " + uv_strerror(rc);
    }
    if (auto error = make_socket_dir(path)) return error;
    if (int rc = uv_pipe_bind(server_.get(), path.c_str()); rc != 0) {
        return "control socket " + path + ": " + uv_strerror(rc);
    }
    path_ = path;
    // 0660 root:haclient: members read, root changes (daemon/control_access.h).
    const SocketAccess access = set_socket_access(path);
    if (access.error) return access.error;
    if (access.note) {
        auto log = spdlog::get("ctl");
        (log ? log : spdlog::default_logger())->info("{}", *access.note);
    }
    if (int rc = uv_listen(reinterpret_cast<uv_stream_t*>(server_.get()), 16, &ControlServer::on_connection);
        rc != 0) {
        return "control socket " + path + ": " + uv_strerror(rc);
    }
    idle_timer_.init(this, [&](uv_timer_t* h) { return uv_timer_init(loop_, h); });
    uv_timer_start(idle_timer_.get(),
                   [](uv_timer_t* t) noexcept {
                       if (t->data != nullptr) static_cast<ControlServer*>(t->data)->sweep_idle();
                   },
                   5000, 5000);
    return std::nullopt;
}

void ControlServer::on_connection(uv_stream_t* stream, int status) noexcept {
    auto* self = static_cast<ControlServer*>(stream->data);
    if (self == nullptr || status < 0) return;
    auto c = std::make_shared<Connection>();
    c->server = self;
    if (c->pipe.init(nullptr, [&](uv_pipe_t* h) { return uv_pipe_init(self->loop_, h, 0); }) != 0 ||
        uv_accept(stream, reinterpret_cast<uv_stream_t*>(c->pipe.get())) != 0) {
        return;
    }
    if (self->connections_.size() >= max_connections) {
        c->write_line({{"ok", false}, {"error", "too many control connections, try again"}});
        return;  // c goes out of scope: closed
    }
    c->last_active = uv_now(self->loop_);
    uv_os_fd_t fd = -1;
    struct ucred cred {};
    socklen_t cred_len = sizeof cred;
    if (uv_fileno(reinterpret_cast<uv_handle_t*>(c->pipe.get()), &fd) == 0 &&
        ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) == 0 && cred_len == sizeof cred) {
        c->peer_uid = cred.uid;
    }
    c->pipe.get()->data = c.get();
    self->connections_.push_back(c);
    uv_read_start(
        reinterpret_cast<uv_stream_t*>(c->pipe.get()),
        [](uv_handle_t*, std::size_t suggested, uv_buf_t* buf) noexcept {
            buf->base = new char[suggested];
            buf->len = suggested;
        },
        [](uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) noexcept {
            std::unique_ptr<char[]> owned(buf->base);
            auto* conn = static_cast<Connection*>(s->data);
            if (conn == nullptr) return;
            ControlServer* server = conn->server;
            if (nread < 0) {
                server->drop(conn);
                return;
            }
            conn->last_active = uv_now(server->loop_);
            conn->buffer.append(buf->base, static_cast<std::size_t>(nread));
            std::size_t newline;
            while ((newline = conn->buffer.find('\n')) != std::string::npos) {
                const std::string line = conn->buffer.substr(0, newline);
                conn->buffer.erase(0, newline + 1);
                std::weak_ptr<Connection> weak = conn->shared_from_this();
                Respond respond = [weak](const nlohmann::json& answer) {
                    if (auto c = weak.lock()) c->write_line(answer);
                };
                auto request = decode_request(line);
                if (auto* error = std::get_if<std::string>(&request)) {
                    respond({{"ok", false}, {"error", *error}});
                    continue;
                }
                const ControlRequest& decoded = std::get<ControlRequest>(request);
                // Changes need root; members of haclient may only read.
                if (auto refusal = refuse(decoded.name, conn->peer_uid, ::geteuid())) {
                    respond({{"ok", false}, {"error", *refusal}});
                    continue;
                }
                try {
                    server->handler_(decoded, respond);
                } catch (const std::exception& e) {
                    respond({{"ok", false}, {"error", std::string("bad request: ") + e.what()}});
                }
            }
            if (conn->buffer.size() > max_request_bytes) {
                conn->write_line({{"ok", false}, {"error", "request longer than 64 KiB"}});
                server->drop(conn);
            }
        });
}

void ControlServer::drop(Connection* connection) {
    connection->open = false;
    if (connection->pipe) connection->pipe.get()->data = nullptr;
    // Deferred: the connection may be inside its own read callback; erasing closes
    // the handle, and the memory goes in its close callback.
    std::erase_if(connections_, [&](const std::shared_ptr<Connection>& c) { return c.get() == connection; });
}

void ControlServer::sweep_idle() noexcept {
    const std::uint64_t now = uv_now(loop_);
    std::vector<Connection*> idle;
    for (auto& c : connections_) {
        if (now - c->last_active > idle_ms) idle.push_back(c.get());
    }
    for (Connection* c : idle) drop(c);
}

}  // namespace hacluster::daemon
