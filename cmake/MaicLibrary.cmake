# maic_library(NAME [SOURCES ...] DEPS ... [TEST_DEPS ...])
#   A layer library: public headers in include/, sources and their tests in src/.
#   Without SOURCES, every src/*.cpp that is not a test is a source.
#   Files ending in _test.cpp become one GTest binary per library, run by ctest.
function(maic_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;TEST_DEPS" ${ARGN})
  if(NOT ARG_SOURCES)
    file(GLOB ARG_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp)
    list(FILTER ARG_SOURCES EXCLUDE REGEX "_test\\.cpp$")
  endif()
  add_library(maic_${name} ${ARG_SOURCES})
  add_library(maic::${name} ALIAS maic_${name})
  target_include_directories(maic_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(maic_${name} PUBLIC ${ARG_DEPS} PRIVATE maic_warnings)
  if(MAIC_BUILD_TESTS)
    file(GLOB tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*_test.cpp)
    if(tests)
      add_executable(maic_${name}_tests ${tests})
      target_link_libraries(maic_${name}_tests PRIVATE maic_${name} ${ARG_TEST_DEPS}
                            GTest::gtest_main GTest::gmock maic_warnings)
      gtest_discover_tests(maic_${name}_tests DISCOVERY_TIMEOUT 60
                           PROPERTIES LABELS ${name})
    endif()
  endif()
endfunction()
