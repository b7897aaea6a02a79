# LibTorch: the official build (the `torch` wheel's CMake package, CUDA compiled in), found through
# -DCMAKE_PREFIX_PATH=<site-packages>/torch (scripts/build.sh passes the one in the virtual
# environment that scripts/setup.sh makes). Defines derm_torch, the one target our code links.

# derm compiles no CUDA kernels of its own; a fixed list only stops LibTorch's CMake from probing
# the machine for a GPU, which fails on machines without one (CI, developers).
if(NOT DEFINED TORCH_CUDA_ARCH_LIST AND NOT DEFINED ENV{TORCH_CUDA_ARCH_LIST})
  set(TORCH_CUDA_ARCH_LIST "8.0;9.0")
endif()
find_package(Torch REQUIRED)

# find_library searches the system folders before LibTorch's own, so a second LibTorch installed
# system-wide (Debian's libtorch-dev) would be linked beside this one.
foreach(lib IN LISTS TORCH_LIBRARIES)
  if(IS_ABSOLUTE "${lib}" AND lib MATCHES "/lib(c10|torch)[^/]*\\.so$")
    cmake_path(IS_PREFIX TORCH_INSTALL_PREFIX "${lib}" NORMALIZE from_this_torch)
    if(NOT from_this_torch)
      message(FATAL_ERROR "LibTorch at ${TORCH_INSTALL_PREFIX} resolved ${lib} from another "
                          "installation: configure with -DCMAKE_PREFIX_PATH=${TORCH_INSTALL_PREFIX}")
    endif()
  endif()
endforeach()
message(STATUS "LibTorch ${Torch_VERSION} at ${TORCH_INSTALL_PREFIX}")

# The official LibTorch ships protobuf 3.13 headers in its include folder
# (torch/include/google/protobuf), which every target linking LibTorch searches before
# /usr/include: generated *.pb.h files would meet the wrong protobuf. A folder holding only a link
# to the system protobuf headers, searched first everywhere, keeps one protobuf. (LibTorch's
# libraries export no protobuf symbols beyond its own onnx_torch messages and three byteswap
# helpers.)
if(NOT DERM_CORE_ONLY AND EXISTS "${TORCH_INSTALL_PREFIX}/include/google/protobuf")
  set(DERM_PROTOBUF_FIRST "${CMAKE_BINARY_DIR}/protobuf-first")
  file(MAKE_DIRECTORY "${DERM_PROTOBUF_FIRST}/google")
  file(CREATE_LINK "${Protobuf_INCLUDE_DIR}/google/protobuf" "${DERM_PROTOBUF_FIRST}/google/protobuf"
       SYMBOLIC)
  include_directories(BEFORE SYSTEM "${DERM_PROTOBUF_FIRST}")
endif()

# LibTorch's exported flags (e.g. -D_GLIBCXX_USE_CXX11_ABI) go on the targets that link it.
add_library(derm_torch INTERFACE)
target_include_directories(derm_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})
target_link_libraries(derm_torch INTERFACE ${TORCH_LIBRARIES})
# The wheel's libraries were linked with a newer GCC's libstdc++ partly static, and export those
# copies (std::filesystem among them; pytorch/pytorch#133437). A program that needs libtorch
# before libstdc++ binds its own std::filesystem calls to them, and remove_all() then jumps to
# address 0. Naming libstdc++ first, before every object, makes the system's copy win.
target_link_options(derm_torch INTERFACE "LINKER:--push-state,--no-as-needed" "-lstdc++"
                    "LINKER:--pop-state")
