#pragma once
// A libuv handle on the heap behind a move-only owner (CMake's cmUVHandlePtr,
// uvw's handle.hpp): libuv may still touch a handle after the C++ object that
// used it is gone (the close callback runs on a later loop iteration), so the
// memory is freed only in the close callback, never by the owner itself.
#include <uv.h>

#include <utility>

namespace hacluster::resources {

// What a failed init leaves behind: most uv_*_init calls leave nothing for libuv
// to close, but uv_spawn initialises the handle before it can fail, and such a
// handle must still go through uv_close.
enum class OnInitError { free, close };

template <typename T>
class UvHandle {
public:
    UvHandle() = default;
    ~UvHandle() { reset(); }
    UvHandle(UvHandle&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
    UvHandle& operator=(UvHandle&& other) noexcept {
        if (this != &other) {
            reset();
            handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }
    UvHandle(const UvHandle&) = delete;
    UvHandle& operator=(const UvHandle&) = delete;

    // Allocates a handle and calls init(T*) -> int (a libuv error code), then sets
    // the handle's data pointer (callbacks find their owner through it).
    template <typename Init>
    int init(void* data, Init&& init, OnInitError on_error = OnInitError::free) {
        reset();
        T* handle = new T{};
        const int rc = init(handle);
        if (rc != 0 && on_error == OnInitError::free) {
            delete handle;  // libuv never saw it
            return rc;
        }
        handle->data = data;
        handle_ = handle;
        return rc;
    }

    T* get() const noexcept { return handle_; }
    uv_handle_t* raw() const noexcept { return reinterpret_cast<uv_handle_t*>(handle_); }
    explicit operator bool() const noexcept { return handle_ != nullptr; }

    // Closes the handle; its memory goes in the close callback. No callback of the
    // handle runs after this (libuv's uv_close guarantee), except the close one.
    void reset() noexcept {
        if (handle_ == nullptr) return;
        uv_handle_t* handle = raw();
        handle_ = nullptr;
        handle->data = nullptr;
        uv_close(handle, &UvHandle::free_on_close);
    }

private:
    static void free_on_close(uv_handle_t* handle) noexcept { delete reinterpret_cast<T*>(handle); }

    T* handle_ = nullptr;
};

}  // namespace hacluster::resources
