# Run by CPack on its staging tree before the .debs are made
# (CPACK_PRE_BUILD_SCRIPTS): what debhelper's dh_strip and dh_compress would
# do, which CPack does not. Reads CPACK_TEMPORARY_DIRECTORY (the staging
# tree) and CPACK_SOFTVFIO_STRIP (the build's strip program).
file(GLOB_RECURSE files LIST_DIRECTORIES false "${CPACK_TEMPORARY_DIRECTORY}/*")
foreach(f IN LISTS files)
  if(IS_SYMLINK "${f}")
    continue()
  endif()
  file(READ "${f}" magic LIMIT 8 HEX)
  # Debug information out, and the compiler's .comment and .note sections.
  set(strip "${CPACK_SOFTVFIO_STRIP}" --remove-section=.comment --remove-section=.note)
  if(f MATCHES "/usr/share/man/man[^/]*/[^/]*[^z]$")
    # Manual pages are shipped gzipped; -n keeps the result reproducible.
    execute_process(COMMAND gzip -9nf "${f}" COMMAND_ERROR_IS_FATAL ANY)
  elseif(magic STREQUAL "213c617263683e0a") # "!<arch>\n": a static library
    # Only the debug information: the symbols are what a linker needs.
    execute_process(COMMAND ${strip} --strip-debug --enable-deterministic-archives "${f}" COMMAND_ERROR_IS_FATAL ANY)
  elseif(magic MATCHES "^7f454c46") # ELF: the command or the shim
    if(f MATCHES "\\.so$")
      list(APPEND strip --strip-unneeded)
    endif()
    execute_process(COMMAND ${strip} "${f}" COMMAND_ERROR_IS_FATAL ANY)
  endif()
endforeach()
