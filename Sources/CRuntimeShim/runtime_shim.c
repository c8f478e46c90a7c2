#define _GNU_SOURCE
#include "runtime_shim.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <time.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/mount.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <linux/nsfs.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

pid_t shim_clone(unsigned long flags) {
    return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

pid_t shim_clone3_pidfd(uint64_t flags, int *pidfd, int cgroup_fd) {
    struct clone_args args;
    memset(&args, 0, sizeof(args));
    args.flags = flags | CLONE_PIDFD;
    args.pidfd = (uint64_t)(uintptr_t)pidfd;
    args.exit_signal = SIGCHLD;
    if (cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = (uint64_t)cgroup_fd;
    }
    return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

int shim_setns(int fd, int nstype) { return setns(fd, nstype); }
int shim_unshare(int flags) { return unshare(flags); }
int shim_pivot_root(const char *new_root, const char *put_old) {
    return (int)syscall(SYS_pivot_root, new_root, put_old);
}
int shim_mount(const char *source, const char *target, const char *fstype,
               unsigned long flags, const char *data) {
    return mount(source, target, fstype, flags, data);
}
int shim_umount2(const char *target, int flags) { return umount2(target, flags); }

int shim_set_no_new_privs(void) { return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); }
int shim_get_no_new_privs(void) { return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0); }
int shim_set_pdeathsig(int signal) { return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0, 0, 0); }
int shim_set_child_subreaper(int on) { return prctl(PR_SET_CHILD_SUBREAPER, (unsigned long)on, 0, 0, 0); }
int shim_set_keepcaps(int on) { return prctl(PR_SET_KEEPCAPS, (unsigned long)on, 0, 0, 0); }
int shim_set_dumpable(int on) { return prctl(PR_SET_DUMPABLE, (unsigned long)on, 0, 0, 0); }
int shim_capbset_read(int cap) { return prctl(PR_CAPBSET_READ, (unsigned long)cap, 0, 0, 0); }
int shim_capbset_drop(int cap) { return prctl(PR_CAPBSET_DROP, (unsigned long)cap, 0, 0, 0); }
int shim_cap_ambient_raise(int cap) {
    return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)cap, 0, 0);
}
int shim_cap_ambient_clear_all(void) {
    return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}

int shim_capset(uint64_t effective, uint64_t permitted, uint64_t inheritable) {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    data[0].effective = (uint32_t)effective;
    data[1].effective = (uint32_t)(effective >> 32);
    data[0].permitted = (uint32_t)permitted;
    data[1].permitted = (uint32_t)(permitted >> 32);
    data[0].inheritable = (uint32_t)inheritable;
    data[1].inheritable = (uint32_t)(inheritable >> 32);
    return (int)syscall(SYS_capset, &header, data);
}

int shim_capget(uint64_t *effective, uint64_t *permitted, uint64_t *inheritable) {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof(data));
    int rc = (int)syscall(SYS_capget, &header, data);
    if (rc == 0) {
        *effective = (uint64_t)data[0].effective | ((uint64_t)data[1].effective << 32);
        *permitted = (uint64_t)data[0].permitted | ((uint64_t)data[1].permitted << 32);
        *inheritable = (uint64_t)data[0].inheritable | ((uint64_t)data[1].inheritable << 32);
    }
    return rc;
}

int shim_seccomp_load_filter(unsigned int flags, const void *filter, size_t length) {
    if (length == 0 || length % sizeof(struct sock_filter) != 0 ||
        length / sizeof(struct sock_filter) > 0xffff) {
        errno = EINVAL;
        return -1;
    }
    struct sock_fprog prog;
    prog.len = (unsigned short)(length / sizeof(struct sock_filter));
    prog.filter = (struct sock_filter *)filter;
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

int shim_close_range(unsigned int first, unsigned int last, int cloexec) {
    return (int)syscall(SYS_close_range, first, last, cloexec ? CLOSE_RANGE_CLOEXEC : 0);
}

int shim_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve) {
    struct open_how how;
    memset(&how, 0, sizeof(how));
    how.flags = flags;
    how.mode = mode;
    how.resolve = resolve;
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

int shim_pidfd_open(pid_t pid, unsigned int flags) {
    return (int)syscall(SYS_pidfd_open, pid, flags);
}
int shim_pidfd_send_signal(int pidfd, int sig) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}
int shim_waitid_pidfd(int pidfd, int options, int *code, int *status) {
    siginfo_t info;
    memset(&info, 0, sizeof(info));
    int rc = (int)syscall(SYS_waitid, P_PIDFD, pidfd, &info, options, NULL);
    if (rc == 0) {
        *code = info.si_code;
        *status = info.si_status;
    }
    return rc;
}

int shim_setrlimit(int resource, uint64_t soft, uint64_t hard) {
    struct rlimit64 limit = { soft, hard };
    return setrlimit64((__rlimit_resource_t)resource, &limit);
}
int shim_getrlimit(int resource, uint64_t *soft, uint64_t *hard) {
    struct rlimit64 limit;
    int rc = getrlimit64((__rlimit_resource_t)resource, &limit);
    if (rc == 0) {
        *soft = limit.rlim_cur;
        *hard = limit.rlim_max;
    }
    return rc;
}

int shim_setresuid(uid_t ruid, uid_t euid, uid_t suid) { return setresuid(ruid, euid, suid); }
int shim_setresgid(gid_t rgid, gid_t egid, gid_t sgid) { return setresgid(rgid, egid, sgid); }

int shim_sethostname(const char *name, size_t length) { return sethostname(name, length); }
int shim_setdomainname(const char *name, size_t length) { return setdomainname(name, length); }
int shim_ioctl_tiocsctty(int fd) { return ioctl(fd, TIOCSCTTY, 0); }
int shim_eventfd(unsigned int initval, int flags) { return eventfd(initval, flags); }
int shim_signalfd(const sigset_t *mask) { return signalfd(-1, mask, SFD_CLOEXEC | SFD_NONBLOCK); }
int shim_signalfd_read(int fd) {
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof(info));
    if (n == (ssize_t)sizeof(info)) return (int)info.ssi_signo;
    if (n < 0 && errno == EAGAIN) return 0;
    return -1;
}
int shim_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }

int shim_sigemptyset(sigset_t *set) { return sigemptyset(set); }
int shim_sigaddset(sigset_t *set, int sig) { return sigaddset(set, sig); }
int shim_sigfillset(sigset_t *set) { return sigfillset(set); }

uint64_t shim_makedev(unsigned int major, unsigned int minor) { return (uint64_t)makedev(major, minor); }

int shim_wifexited(int status) { return WIFEXITED(status); }
int shim_wexitstatus(int status) { return WEXITSTATUS(status); }
int shim_wifsignaled(int status) { return WIFSIGNALED(status); }
int shim_wtermsig(int status) { return WTERMSIG(status); }

int shim_spawnattr_clean_signals(posix_spawnattr_t *attributes) {
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    int rc = posix_spawnattr_setsigdefault(attributes, &all);
    if (rc == 0) rc = posix_spawnattr_setsigmask(attributes, &none);
    if (rc == 0) rc = posix_spawnattr_setflags(attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    return rc;
}

int shim_send_byte_with_fd(int sock, unsigned char byte, int fd) {
    struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
    union { struct cmsghdr align; char buffer[CMSG_SPACE(sizeof(int))]; } control;
    memset(&control, 0, sizeof control);
    struct msghdr message = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (fd >= 0) {
        message.msg_control = control.buffer;
        message.msg_controllen = sizeof control.buffer;
        struct cmsghdr *header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(header), &fd, sizeof(int));
    }
    ssize_t n;
    do { n = sendmsg(sock, &message, MSG_NOSIGNAL); } while (n < 0 && errno == EINTR);
    return n == 1 ? 0 : -1;
}

int shim_recv_byte_with_fd(int sock, unsigned char *byte) {
    struct iovec iov = { .iov_base = byte, .iov_len = 1 };
    union { struct cmsghdr align; char buffer[CMSG_SPACE(sizeof(int))]; } control;
    memset(&control, 0, sizeof control);
    struct msghdr message = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buffer, .msg_controllen = sizeof control.buffer };
    ssize_t n;
    do { n = recvmsg(sock, &message, MSG_CMSG_CLOEXEC); } while (n < 0 && errno == EINTR);
    if (n != 1) return -1;
    for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header != NULL; header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS && header->cmsg_len >= CMSG_LEN(sizeof(int))) {
            int fd;
            memcpy(&fd, CMSG_DATA(header), sizeof(int));
            return fd;
        }
    }
    return -2;
}

static int unix_address(const char *path, struct sockaddr_un *address) {
    memset(address, 0, sizeof *address);
    address->sun_family = AF_UNIX;
    size_t length = strlen(path);
    if (length >= sizeof address->sun_path) { errno = ENAMETOOLONG; return -1; }
    memcpy(address->sun_path, path, length + 1);
    return 0;
}

int shim_unix_listen(const char *path, int backlog) {
    struct sockaddr_un address;
    if (unix_address(path, &address) != 0) return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    unlink(path);
    mode_t old = umask(0077);
    int rc = bind(fd, (struct sockaddr *)&address, sizeof address);
    umask(old);
    if (rc != 0 || listen(fd, backlog) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int shim_accept_cloexec(int listener) { return accept4(listener, NULL, NULL, SOCK_CLOEXEC); }

static int unix_connect(const char *path, int type_flags) {
    struct sockaddr_un address;
    if (unix_address(path, &address) != 0) return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | type_flags, 0);
    if (fd < 0) return -1;
    int rc;
    do { rc = connect(fd, (struct sockaddr *)&address, sizeof address); } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int shim_unix_connect(const char *path) { return unix_connect(path, SOCK_CLOEXEC); }

int shim_unix_connect_nonblocking(const char *path) { return unix_connect(path, SOCK_CLOEXEC | SOCK_NONBLOCK); }

int shim_write_no_sigpipe(int fd, const void *buffer, size_t length) {
    sigset_t pipe_only, old;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    // Was SIGPIPE already pending for this thread (from elsewhere)? Then leave it pending.
    sigset_t pending;
    sigpending(&pending);
    int was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
    const char *bytes = buffer;
    size_t done = 0;
    int rc = 0, saved = 0;
    while (done < length) {
        ssize_t n = write(fd, bytes + done, length - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) { rc = -1; saved = errno; break; }
        done += (size_t)n;
    }
    if (rc != 0 && saved == EPIPE && !was_pending) {
        struct timespec zero = { 0, 0 };
        while (sigtimedwait(&pipe_only, NULL, &zero) < 0 && errno == EINTR) {}
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = saved;
    return rc;
}

int shim_malloc_trim(size_t pad) { return malloc_trim(pad); }
int shim_malloc_arena_max(int n) { return mallopt(M_ARENA_MAX, n); }
int shim_malloc_no_fastbins(void) { return mallopt(M_MXFAST, 0); }

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

int shim_release_file_pages(void) {
    FILE *maps = fopen("/proc/self/maps", "re");
    if (maps == NULL) return -1;
    char line[4352];
    int released = 0, failed = 0;
    while (fgets(line, sizeof line, maps) != NULL) {
        unsigned long start = 0, end = 0, offset = 0, inode = 0;
        char perms[8] = {0}, device[32] = {0};
        if (sscanf(line, "%lx-%lx %7s %lx %31s %lu", &start, &end, perms, &offset, device, &inode) != 6) continue;
        // Only private mappings of files: no heap, stack, vdso or anonymous memory, and no
        // shared file mappings (their pages may be written through by others).
        if (inode == 0 || perms[3] != 'p' || end <= start) continue;
        void *address = (void *)start;
        size_t length = end - start;
        (void)madvise(address, length, MADV_RANDOM);
        if (madvise(address, length, MADV_PAGEOUT) == 0) released++; else failed++;
    }
    fclose(maps);
    return failed > 0 && released == 0 ? -1 : released;
}

int shim_errno(void) { return errno; }
void shim_set_errno(int value) { errno = value; }

/// Waits for a namespace-creating child; its exit status is (step << 5) | errno, 0 on success.
/// Five bits of errno fit: EPERM, ENOENT, EBUSY, EEXIST, EINVAL all do.
static int reap_ns_child(pid_t pid, int *step) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    if (!WIFEXITED(status)) {
        errno = ECHILD;
        return -1;
    }
    int code = WEXITSTATUS(status);
    if (code == 0) return 0;
    *step = code >> 5;
    errno = code & 0x1f;
    return -1;
}

#define NS_CHILD_FAIL(step) syscall(SYS_exit_group, ((step) << 5) | (errno & 0x1f))

int shim_netns_create(const char *path, int *step) {
    *step = 3;
    pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)SIGCHLD, NULL, NULL, NULL, NULL);
    if (pid < 0) return -1;
    if (pid == 0) {
        // Raw system calls only: the child of a multithreaded parent shares its libc state.
        if (syscall(SYS_unshare, CLONE_NEWNET) != 0) NS_CHILD_FAIL(1);
        if (syscall(SYS_mount, "/proc/self/ns/net", path, "none", MS_BIND, NULL) != 0) NS_CHILD_FAIL(2);
        syscall(SYS_exit_group, 0);
    }
    return reap_ns_child(pid, step);
}

int shim_podns_create(const char *ipc_path, const char *uts_path, const char *hostname, int *step) {
    *step = 5;
    unsigned long flags = (ipc_path ? CLONE_NEWIPC : 0) | (uts_path ? CLONE_NEWUTS : 0);
    size_t hostname_len = hostname ? strlen(hostname) : 0;
    pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)SIGCHLD, NULL, NULL, NULL, NULL);
    if (pid < 0) return -1;
    if (pid == 0) {
        // Raw system calls only: the child of a multithreaded parent shares its libc state.
        if (syscall(SYS_unshare, flags) != 0) NS_CHILD_FAIL(1);
        if (uts_path && hostname_len > 0 && syscall(SYS_sethostname, hostname, hostname_len) != 0) NS_CHILD_FAIL(2);
        if (ipc_path && syscall(SYS_mount, "/proc/self/ns/ipc", ipc_path, "none", MS_BIND, NULL) != 0) NS_CHILD_FAIL(3);
        if (uts_path && syscall(SYS_mount, "/proc/self/ns/uts", uts_path, "none", MS_BIND, NULL) != 0) NS_CHILD_FAIL(4);
        syscall(SYS_exit_group, 0);
    }
    return reap_ns_child(pid, step);
}

int shim_pidns_create(const char *ns_path, const char *pause_path, const char *argv0, const char *arg1, int *init_pid, int *step) {
    *step = 5;
    // report: the child sends the init's pid. exec_check: the init sends errno if execve
    // fails; on success exec closes it (every inherited descriptor is close-on-exec there).
    int report[2], exec_check[2];
    if (pipe2(report, O_CLOEXEC) != 0) return -1;
    if (pipe2(exec_check, O_CLOEXEC) != 0) {
        int e = errno;
        close(report[0]); close(report[1]);
        errno = e;
        return -1;
    }
    char *const argv[] = {(char *)argv0, (char *)arg1, NULL};
    char *const envp[] = {NULL};
    pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)SIGCHLD, NULL, NULL, NULL, NULL);
    if (pid == 0) {
        // Raw system calls only: the child of a multithreaded parent shares its libc state.
        syscall(SYS_close, report[0]);
        syscall(SYS_close, exec_check[0]);
        if (syscall(SYS_unshare, CLONE_NEWPID) != 0) NS_CHILD_FAIL(1);
        pid_t init = (pid_t)syscall(SYS_clone, (unsigned long)SIGCHLD, NULL, NULL, NULL, NULL);
        if (init < 0) NS_CHILD_FAIL(3);
        if (init == 0) {
            int null_fd = (int)syscall(SYS_open, "/dev/null", O_RDWR);
            if (null_fd >= 0) {
                for (int fd = 0; fd < 3; fd++) {
                    if (fd != null_fd) syscall(SYS_dup3, null_fd, fd, 0);
                }
                if (null_fd > 2) syscall(SYS_close, null_fd);
            }
            syscall(SYS_setsid);
            syscall(SYS_chdir, "/");
            syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
            syscall(SYS_execve, pause_path, argv, envp);
            int e = errno;
            syscall(SYS_write, exec_check[1], &e, sizeof e);
            syscall(SYS_exit_group, 127);
        }
        // pid_for_children resolves only once the namespace has its init.
        if (syscall(SYS_mount, "/proc/self/ns/pid_for_children", ns_path, "none", MS_BIND, NULL) != 0) {
            int e = errno;
            syscall(SYS_kill, init, SIGKILL);
            errno = e;
            NS_CHILD_FAIL(2);
        }
        if (syscall(SYS_write, report[1], &init, sizeof init) != (long)sizeof init) NS_CHILD_FAIL(3);
        syscall(SYS_exit_group, 0);
    }
    int clone_errno = errno;
    close(report[1]);
    close(exec_check[1]);
    if (pid < 0) {
        close(report[0]); close(exec_check[0]);
        errno = clone_errno;
        return -1;
    }
    int rc = reap_ns_child(pid, step);
    pid_t init = -1;
    if (rc == 0) {
        ssize_t n;
        do { n = read(report[0], &init, sizeof init); } while (n < 0 && errno == EINTR);
        if (n != (ssize_t)sizeof init) { errno = EPROTO; *step = 3; rc = -1; }
    }
    if (rc == 0) {
        int exec_errno = 0;
        ssize_t n;
        do { n = read(exec_check[0], &exec_errno, sizeof exec_errno); } while (n < 0 && errno == EINTR);
        if (n == (ssize_t)sizeof exec_errno) {
            errno = exec_errno; *step = 4; rc = -1;
        }
    }
    close(report[0]);
    close(exec_check[0]);
    if (rc == 0) *init_pid = init;
    return rc;
}

int shim_ns_get_type(int fd) { return ioctl(fd, NS_GET_NSTYPE); }

int shim_spawn_file_actions_closefrom(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}

int shim_epoll_create(void) {
    return epoll_create1(EPOLL_CLOEXEC);
}

int shim_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event event = { .events = events, .data = { .u64 = data } };
    return epoll_ctl(epfd, op, fd, &event);
}

int shim_epoll_wait(int epfd, uint32_t *events, uint64_t *data, int max, int timeout_ms) {
    struct epoll_event ready[64];
    if (max > 64) max = 64;
    int n = epoll_wait(epfd, ready, max, timeout_ms);
    for (int i = 0; i < n; i++) {
        events[i] = ready[i].events;
        data[i] = ready[i].data.u64;
    }
    return n;
}
