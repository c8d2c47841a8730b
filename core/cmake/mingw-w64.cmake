# mingw-w64.cmake — a CMake toolchain that cross-compiles regio for 64-bit Windows with
# mingw-w64 (Debian: gcc-mingw-w64-x86-64), e.g.
#
#   cmake -S . -B build-win -DCMAKE_TOOLCHAIN_FILE=core/cmake/mingw-w64.cmake
#   cmake --build build-win
#
# When Wine is installed (Debian's wine64 puts its loader at /usr/lib/wine/wine64 and has no
# /usr/bin/wine), it becomes the cross-compiling emulator, so `ctest --test-dir build-win` runs
# the Windows C tests under Wine. REGIO_WINE overrides the loader's path.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(REGIO_MINGW_TRIPLE x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${REGIO_MINGW_TRIPLE}-gcc)
set(CMAKE_RC_COMPILER ${REGIO_MINGW_TRIPLE}-windres)
set(CMAKE_FIND_ROOT_PATH /usr/${REGIO_MINGW_TRIPLE})

# Headers and libraries from the target's root only; programs from the host.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Link the GCC runtime statically, so the .exe files run without mingw DLLs next to them.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc")

if(DEFINED ENV{REGIO_WINE})
  set(REGIO_WINE_LOADER "$ENV{REGIO_WINE}")
else()
  find_program(REGIO_WINE_LOADER NAMES wine64 wine PATHS /usr/lib/wine NO_DEFAULT_PATH)
  if(NOT REGIO_WINE_LOADER)
    find_program(REGIO_WINE_LOADER NAMES wine64 wine)
  endif()
endif()
if(REGIO_WINE_LOADER)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${REGIO_WINE_LOADER}")
endif()
