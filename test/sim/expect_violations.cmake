# Runs the sweep with the deliberately unsafe agent and passes only if the summary
# line reports at least one safety violation
# (cmake -DSIM=<hacluster-sim> [-DFLAGS="--unsafe-... --runs=N"] -P ...).
if(NOT SIM)
  message(FATAL_ERROR "usage: cmake -DSIM=<path to hacluster-sim> -P expect_violations.cmake")
endif()
if(NOT FLAGS)
  set(FLAGS "--unsafe-skip-lease --runs=300")
endif()
separate_arguments(flag_list UNIX_COMMAND "${FLAGS}")
execute_process(COMMAND ${SIM} ${flag_list}
                OUTPUT_VARIABLE out
                ERROR_VARIABLE err
                RESULT_VARIABLE rc)
string(REGEX MATCH "runs=[0-9]+ violations=[0-9]+[^\n]*" summary "${out}")
if(NOT summary)
  message(FATAL_ERROR "no summary line from hacluster-sim (exit ${rc}):\n${out}\n${err}")
endif()
if(NOT summary MATCHES "violations=[1-9]")
  message(FATAL_ERROR "the unsafe agent was not caught: ${summary}")
endif()
message(STATUS "unsafe agent caught as expected: ${summary}")
