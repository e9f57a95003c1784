# Installs web/node_modules from package-lock.json with `npm ci`, but only
# when it is missing or older than the lock file (scripts/install-deps.sh
# normally did it already). Run as
#   cmake -DNPM=/usr/bin/npm -DWEB_DIR=/path/to/web -P npm_ci.cmake
# Several build trees share one node_modules, so the install holds a lock
# and re-checks under it: a second build waits and then finds it fresh.
foreach(var NPM WEB_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "npm_ci.cmake: -D${var}=... is required")
  endif()
endforeach()

set(lock_file ${WEB_DIR}/package-lock.json)
set(marker ${WEB_DIR}/node_modules/.package-lock.json)  # npm writes it on every install

function(is_fresh out)
  if(EXISTS ${marker} AND NOT ${lock_file} IS_NEWER_THAN ${marker})
    set(${out} TRUE PARENT_SCOPE)
  else()
    set(${out} FALSE PARENT_SCOPE)
  endif()
endfunction()

is_fresh(fresh)
if(fresh)
  return()
endif()

if(DEFINED ENV{TMPDIR})
  set(tmp $ENV{TMPDIR})
else()
  set(tmp /tmp)
endif()
string(MD5 key "${WEB_DIR}")
file(LOCK ${tmp}/maic-npm-ci-${key}.lock GUARD PROCESS TIMEOUT 900)
is_fresh(fresh)
if(fresh)
  return()
endif()

message(STATUS "npm ci in ${WEB_DIR}")
execute_process(COMMAND ${NPM} ci --no-audit --no-fund --loglevel=error
                WORKING_DIRECTORY ${WEB_DIR} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "npm ci failed in ${WEB_DIR} (${rc}); try scripts/install-deps.sh")
endif()
