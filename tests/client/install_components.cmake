# Install the client and model components of the build tree BUILD into
# PREFIX (a fresh one each run), as a driver author's tree would have them.
file(REMOVE_RECURSE ${PREFIX})
foreach(component client model)
  execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD} --prefix ${PREFIX} --component ${component}
    RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "installing component ${component} failed (${rc})")
  endif()
endforeach()
