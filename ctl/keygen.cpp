#include "ctl/keygen.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace hacluster::ctl {

namespace {

std::string os_error(const std::filesystem::path& file, int err) {
    return file.string() + ": " + std::strerror(err);
}

bool write_all(int fd, const unsigned char* bytes, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, bytes, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = EIO;
            return false;
        }
        bytes += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

// The new directory entry survives a crash only once the directory is synced.
std::optional<std::string> sync_directory(const std::filesystem::path& file) {
    std::filesystem::path dir = file.parent_path();
    if (dir.empty()) dir = ".";
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return os_error(dir, errno);
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    // Some file systems cannot sync a directory (EINVAL); the key itself is synced.
    if (rc != 0 && err != EINVAL) return os_error(dir, err);
    return std::nullopt;
}

}  // namespace

std::optional<std::string> write_new_key(const std::filesystem::path& file) {
    if (::sodium_init() < 0) return std::string("libsodium failed to initialise");
    // O_EXCL: never overwrite; O_NOFOLLOW: never write through a planted symlink.
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST) {
            return file.string() +
                   " already exists; refusing to overwrite a key (the nodes must share one key: "
                   "remove the file first only if you mean to replace it on every node)";
        }
        return os_error(file, errno);
    }
    std::array<unsigned char, key_bytes> key{};
    ::randombytes_buf(key.data(), key.size());
    std::optional<std::string> error;
    // The open mode is filtered by the umask; fchmod sets exactly 0600.
    if (::fchmod(fd, 0600) != 0 || !write_all(fd, key.data(), key.size()) || ::fsync(fd) != 0) {
        error = os_error(file, errno);
    }
    ::sodium_memzero(key.data(), key.size());
    if (::close(fd) != 0 && !error) error = os_error(file, errno);
    if (error) {
        ::unlink(file.c_str());
        return error;
    }
    return sync_directory(file);
}

}  // namespace hacluster::ctl
