// Clang's thread-safety annotations (https://clang.llvm.org/docs/ThreadSafetyAnalysis.html),
// checked by the clang build of scripts/thread-safety-check.sh with -Wthread-safety -Werror;
// other compilers ignore them. Use them with derm::Mutex (common/mutex.h).
#pragma once

#if defined(__clang__)
#define DERM_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define DERM_THREAD_ANNOTATION(x)
#endif

#define DERM_CAPABILITY(name) DERM_THREAD_ANNOTATION(capability(name))
#define DERM_SCOPED_CAPABILITY DERM_THREAD_ANNOTATION(scoped_lockable)
// A member that may be read or written only with the mutex held.
#define DERM_GUARDED_BY(mu) DERM_THREAD_ANNOTATION(guarded_by(mu))
// A pointer member whose pointee may be used only with the mutex held.
#define DERM_PT_GUARDED_BY(mu) DERM_THREAD_ANNOTATION(pt_guarded_by(mu))
// A function the caller must call with the mutex held (name it ...Locked).
#define DERM_REQUIRES(...) DERM_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define DERM_ACQUIRE(...) DERM_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define DERM_RELEASE(...) DERM_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define DERM_EXCLUDES(...) DERM_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
