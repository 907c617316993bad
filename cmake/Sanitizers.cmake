# Sanitizers are chosen by preset (asan-ubsan, tsan) through SOFTVFIO_SANITIZE.
if(SOFTVFIO_SANITIZE)
  add_compile_options(-fsanitize=${SOFTVFIO_SANITIZE} -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=${SOFTVFIO_SANITIZE})
  if(SOFTVFIO_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize-recover=undefined)
  endif()
endif()
