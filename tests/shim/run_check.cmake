# Checks on `softvfio run` itself, run with
#   cmake -DSOFTVFIO=<softvfio> -DBIN=<programs dir> -DCHECK=<name> -P run_check.cmake
#
#   plain_same_output  a program that never touches VFIO prints the same with
#                      and without the shim (fd numbers, errnos, fork, exec)
#   exit_status        exit(N) comes back as the status of `softvfio run`
#   exit_signal        death by a signal comes back as death by that signal
#   same_pid           the program keeps softvfio's pid (softvfio execs it)
#   device_addresses   two devices at one BDF, or one at a BDF of the
#                      machine's, are refused before anything starts (exit 2)

function(fail)
  string(JOIN "" text ${ARGN})
  message(FATAL_ERROR "${CHECK}: ${text}")
endfunction()

if(CHECK STREQUAL "plain_same_output")
  execute_process(COMMAND ${BIN}/plain RESULT_VARIABLE r1 OUTPUT_VARIABLE out1 ERROR_VARIABLE err1)
  execute_process(COMMAND ${SOFTVFIO} run -- ${BIN}/plain RESULT_VARIABLE r2 OUTPUT_VARIABLE out2 ERROR_VARIABLE err2)
  if(NOT r1 EQUAL 0 OR NOT r2 EQUAL 0)
    fail("exit status without the shim ${r1}, with it ${r2}\n${err1}\n${err2}")
  endif()
  # The program must have run to its end, both times.
  if(NOT out1 MATCHES "fds open at the end: [0-9]+")
    fail("unexpected output without the shim:\n${out1}")
  endif()
  if(NOT out1 STREQUAL out2)
    fail("output differs\n--- without the shim:\n${out1}\n--- with the shim:\n${out2}")
  endif()
  if(NOT err2 STREQUAL err1)
    fail("stderr differs\n--- without the shim:\n${err1}\n--- with the shim:\n${err2}")
  endif()
  message(STATUS "same output:\n${out2}")

elseif(CHECK STREQUAL "exit_status")
  foreach(n 0 1 7 42 255)
    execute_process(COMMAND ${SOFTVFIO} run -- ${BIN}/exit_status exit ${n} RESULT_VARIABLE r)
    if(NOT r EQUAL n)
      fail("exit(${n}) came back as '${r}'")
    endif()
  endforeach()
  # softvfio's own errors keep their documented codes.
  execute_process(COMMAND ${SOFTVFIO} run -- ${BIN}/no-such-program RESULT_VARIABLE r ERROR_QUIET)
  if(NOT r EQUAL 127)
    fail("a missing program came back as '${r}', not 127")
  endif()

elseif(CHECK STREQUAL "exit_signal")
  # A shell sees death by signal N as status 128+N: softvfio must not turn
  # it into an ordinary exit.
  execute_process(COMMAND sh -c "\"$0\" run -- \"$1\" abort; echo status=$?" ${SOFTVFIO} ${BIN}/exit_status
    OUTPUT_VARIABLE out ERROR_QUIET)
  if(NOT out MATCHES "status=134")
    fail("abort() came back as '${out}', not 128+SIGABRT")
  endif()

elseif(CHECK STREQUAL "same_pid")
  execute_process(COMMAND sh -c "\"$0\" run -- \"$1\" pid & echo started=$!; wait" ${SOFTVFIO} ${BIN}/exit_status
    OUTPUT_VARIABLE out RESULT_VARIABLE r)
  if(NOT out MATCHES "started=([0-9]+)")
    fail("no pid: ${out}")
  endif()
  set(started ${CMAKE_MATCH_1})
  if(NOT out MATCHES "(^|\n)([0-9]+)\n")
    fail("the program printed no pid: ${out}")
  endif()
  if(NOT CMAKE_MATCH_2 STREQUAL started)
    fail("softvfio started as ${started}, the program ran as ${CMAKE_MATCH_2}")
  endif()

elseif(CHECK STREQUAL "device_addresses")
  execute_process(COMMAND ${SOFTVFIO} run --device nic@5f00:00:01.0 --device edu@5f00:00:01.0 -- ${BIN}/exit_status exit 0
    RESULT_VARIABLE r ERROR_VARIABLE err)
  if(NOT r EQUAL 2 OR NOT err MATCHES "5f00:00:01.0 is taken by --device nic@5f00:00:01.0")
    fail("two devices at one BDF: status '${r}', stderr '${err}'")
  endif()
  execute_process(COMMAND ${SOFTVFIO} run --device edu --device nic@5f00:00:01.0 -- ${BIN}/exit_status exit 0
    RESULT_VARIABLE r ERROR_VARIABLE err)
  if(NOT r EQUAL 2 OR NOT err MATCHES "taken by --device edu")
    fail("a BDF the first device was placed at: status '${r}', stderr '${err}'")
  endif()
  # A device of this machine, where it has one.
  file(GLOB machine LIST_DIRECTORIES true /sys/bus/pci/devices/*)
  if(machine)
    list(GET machine 0 first)
    get_filename_component(bdf ${first} NAME)
    execute_process(COMMAND ${SOFTVFIO} run --device nic@${bdf} -- ${BIN}/exit_status exit 0
      RESULT_VARIABLE r ERROR_VARIABLE err)
    if(NOT r EQUAL 2 OR NOT err MATCHES "is a PCI device of this machine")
      fail("a BDF of the machine (${bdf}): status '${r}', stderr '${err}'")
    endif()
  else()
    message(STATUS "this machine has no PCI devices: the shadowing case is not tried")
  endif()

else()
  fail("unknown check")
endif()
