# derm_strict(target): our own code builds with strict warnings; generated code does not use this.
# -Wno-restrict: GCC 12 reports a false positive for std::string concatenation at -O3
# (GCC bug 105329).
# Sanitizer builds: GCC's -Wmaybe-uninitialized reports false positives under -fsanitize.
# DERM_THREAD_SAFETY (clang only): checks the DERM_GUARDED_BY / DERM_REQUIRES annotations
# (common/thread_annotations.h); scripts/thread-safety-check.sh builds the code that locks.
option(DERM_THREAD_SAFETY "Check thread-safety annotations (clang)" OFF)
function(derm_strict target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-unused-parameter
                         $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
  if(DERM_THREAD_SAFETY)
    target_compile_options(${target} PRIVATE $<$<CXX_COMPILER_ID:Clang>:-Wthread-safety>)
  endif()
  if(DERM_SANITIZE)
    target_compile_options(${target} PRIVATE $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)
  endif()
endfunction()
