# derm_strict(target): our own code builds with strict warnings; generated code does not use this.
# -Wno-restrict: GCC 12 reports a false positive for std::string concatenation at -O3
# (GCC bug 105329).
# Sanitizer builds: GCC's -Wmaybe-uninitialized reports false positives under -fsanitize.
function(derm_strict target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-unused-parameter
                         $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
  if(DERM_SANITIZE)
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
endfunction()
