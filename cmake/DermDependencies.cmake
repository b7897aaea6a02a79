# Every third-party dependency is found here, once. All but LibTorch come from Debian 12
# packages; scripts/setup.sh installs them and LibTorch (cmake/DermTorch.cmake).
find_package(Threads REQUIRED)

if(NOT DERM_CORE_ONLY)
  find_package(Protobuf REQUIRED)
  find_package(gRPC CONFIG REQUIRED)
  find_program(DERM_GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)
  find_package(yaml-cpp REQUIRED)
  find_package(CLI11 CONFIG REQUIRED)
  find_package(Boost 1.74 REQUIRED)
  find_package(SQLite3 REQUIRED)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(RSVG REQUIRED IMPORTED_TARGET librsvg-2.0 cairo)  # dermctl plot -o FILE.png

  # Debian splits OpenCV into per-module -dev packages that ship no CMake config; take the three
  # modules we use directly, or a full OpenCV installation when there is one.
  find_package(OpenCV QUIET COMPONENTS core imgproc imgcodecs)
  if(NOT OpenCV_FOUND)
    find_path(DERM_OPENCV_INCLUDE opencv2/core.hpp PATH_SUFFIXES opencv4 REQUIRED)
    foreach(m core imgproc imgcodecs)
      find_library(DERM_OPENCV_${m} opencv_${m} REQUIRED)
      list(APPEND OpenCV_LIBS ${DERM_OPENCV_${m}})
    endforeach()
    set(OpenCV_INCLUDE_DIRS ${DERM_OPENCV_INCLUDE})
  endif()
  add_library(derm_opencv INTERFACE)
  target_include_directories(derm_opencv SYSTEM INTERFACE ${OpenCV_INCLUDE_DIRS})
  target_link_libraries(derm_opencv INTERFACE ${OpenCV_LIBS})
endif()

include(cmake/DermTorch.cmake)
