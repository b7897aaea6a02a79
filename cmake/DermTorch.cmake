# LibTorch: the official 2.x build with CUDA compiled in, i.e. the folder of the `torch` package
# of PyPI's wheel (scripts/setup.sh installs it into .venv/; scripts/build.sh passes
# -DDERM_TORCH_DIR=$(scripts/torch-prefix.sh); a GPU machine's PyTorch works the same way).
# Defines derm_torch, the one target our code links.
#
# The wheel's own CMake package (share/cmake/Torch) is not used: it requires a CUDA toolkit (nvcc)
# at configure time although derm compiles no CUDA code of its own and the wheel brings every
# CUDA library it needs, it probes for a GPU, it defines protobuf::libprotobuf as an empty
# target when none exists yet, and its find_library prefers a system LibTorch's libc10 to its
# own. The headers and libraries below are all it would give us.
set(DERM_TORCH_DIR "" CACHE PATH "The torch package folder of the official LibTorch 2.x (scripts/torch-prefix.sh)")
# The version macros: torch/headeronly/version.h in 2.11, torch/csrc/api/include/torch/version.h in
# earlier 2.x.
set(DERM_TORCH_VERSION_H "${DERM_TORCH_DIR}/include/torch/headeronly/version.h")
if(NOT EXISTS "${DERM_TORCH_VERSION_H}")
  set(DERM_TORCH_VERSION_H "${DERM_TORCH_DIR}/include/torch/csrc/api/include/torch/version.h")
endif()
if(NOT EXISTS "${DERM_TORCH_DIR}/lib/libtorch_cpu.so" OR NOT EXISTS "${DERM_TORCH_VERSION_H}")
  message(FATAL_ERROR "No LibTorch at DERM_TORCH_DIR='${DERM_TORCH_DIR}': run scripts/setup.sh and configure "
                      "with -DDERM_TORCH_DIR=$(scripts/torch-prefix.sh), or name a PyTorch 2.x's torch folder")
endif()
foreach(part MAJOR MINOR PATCH)
  file(STRINGS "${DERM_TORCH_VERSION_H}" line REGEX "^#define TORCH_VERSION_${part} [0-9]+$")
  string(REGEX MATCH "[0-9]+$" DERM_TORCH_VERSION_${part} "${line}")
endforeach()
set(DERM_TORCH_VERSION "${DERM_TORCH_VERSION_MAJOR}.${DERM_TORCH_VERSION_MINOR}.${DERM_TORCH_VERSION_PATCH}")
if(DERM_TORCH_VERSION VERSION_LESS 2.0)
  message(FATAL_ERROR "LibTorch ${DERM_TORCH_VERSION} at ${DERM_TORCH_DIR}: derm needs 2.x")
endif()

add_library(derm_torch INTERFACE)
target_include_directories(derm_torch SYSTEM INTERFACE "${DERM_TORCH_DIR}/include"
                                                       "${DERM_TORCH_DIR}/include/torch/csrc/api/include")
# libtorch_cpu and libtorch_cuda register their kernels from static initialisers, so they are
# linked even though no symbol of theirs is named directly (LibTorch's own config does the same).
# The wheel's libraries were linked with a newer GCC's libstdc++ partly static and export those
# copies (std::filesystem among them; pytorch/pytorch#133437): a program that needs libtorch
# before libstdc++ binds its own std::filesystem calls to them, and remove_all() jumped to
# address 0. Naming libstdc++ first, before every object, makes the system's copy win.
set(DERM_TORCH_LINK "LINKER:--push-state,--no-as-needed" "-lstdc++" "${DERM_TORCH_DIR}/lib/libtorch_cpu.so")
if(EXISTS "${DERM_TORCH_DIR}/lib/libtorch_cuda.so")
  set(DERM_TORCH_CUDA ON)
  list(APPEND DERM_TORCH_LINK "${DERM_TORCH_DIR}/lib/libtorch_cuda.so" "${DERM_TORCH_DIR}/lib/libc10_cuda.so")
endif()
list(APPEND DERM_TORCH_LINK "${DERM_TORCH_DIR}/lib/libtorch.so" "${DERM_TORCH_DIR}/lib/libc10.so"
     "LINKER:--pop-state" "LINKER:-rpath,${DERM_TORCH_DIR}/lib")
target_link_options(derm_torch INTERFACE ${DERM_TORCH_LINK})
target_link_libraries(derm_torch INTERFACE Threads::Threads)
message(STATUS "LibTorch ${DERM_TORCH_VERSION} at ${DERM_TORCH_DIR} (CUDA compiled in: ${DERM_TORCH_CUDA})")

# The wheel ships protobuf 3.13 headers in its include folder (torch/include/google/protobuf),
# which every target linking LibTorch searches before /usr/include: generated *.pb.h files would
# meet the wrong protobuf. A folder holding only a link to the system protobuf headers, searched
# first everywhere, keeps one protobuf. (The wheel's libraries export no protobuf symbols beyond
# their own onnx_torch messages and three byteswap templates.)
if(NOT DERM_CORE_ONLY AND EXISTS "${DERM_TORCH_DIR}/include/google/protobuf")
  set(DERM_PROTOBUF_FIRST "${CMAKE_BINARY_DIR}/protobuf-first")
  file(MAKE_DIRECTORY "${DERM_PROTOBUF_FIRST}/google")
  file(CREATE_LINK "${Protobuf_INCLUDE_DIR}/google/protobuf" "${DERM_PROTOBUF_FIRST}/google/protobuf"
       SYMBOLIC)
  include_directories(BEFORE SYSTEM "${DERM_PROTOBUF_FIRST}")
endif()
