# Warnings apply to our own targets through this interface library.
add_library(softvfio_warnings INTERFACE)
target_compile_options(softvfio_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wcast-align
  -Wunused -Wdouble-promotion
  -Wformat=2 -Wimplicit-fallthrough -Wmisleading-indentation
  $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor -Woverloaded-virtual -Wold-style-cast -Wsuggest-override>
  # The uAPI structs end in flexible array members, a GNU extension in C++
  # that GCC accepts silently and clang (the fuzz preset) flags.
  $<$<CXX_COMPILER_ID:Clang>:-Wno-zero-length-array>)
if(SOFTVFIO_WERROR)
  target_compile_options(softvfio_warnings INTERFACE -Werror)
  # GCC 12's object-size warnings see through the sanitizers' instrumentation
  # into shared_ptr internals and report writes that cannot happen (e.g.
  # "writing 13 bytes into a region of size 0" at a shared_ptr member under
  # -fsanitize=thread). They stay warnings there; the plain build keeps them
  # as errors.
  if(SOFTVFIO_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(softvfio_warnings INTERFACE
      -Wno-error=stringop-overflow -Wno-error=array-bounds -Wno-error=stringop-overread)
  endif()
endif()
