# maic_library(NAME [SOURCES ...] DEPS ... [TEST_DEPS ...] [TEST_LABELS label pattern ...])
#   A layer library: public headers in include/, sources and their tests in src/.
#   Without SOURCES, every src/*.cpp that is not a test is a source.
#   Files ending in _test.cpp become one GTest binary per library, run by ctest,
#   labelled NAME. TEST_LABELS gives the tests whose names match a GTest
#   pattern a second label (e.g. postgres "Postgres*": ctest -L/-LE postgres).
function(maic_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;TEST_DEPS;TEST_LABELS" ${ARGN})
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
      set(labelled "")
      set(labels ${ARG_TEST_LABELS})
      while(labels)
        list(POP_FRONT labels label pattern)
        # gtest_discover_tests cannot pass a list as a property value, so a
        # file that ctest reads after the discovered tests sets both labels.
        set(list_var maic_${name}_tests_${label})
        gtest_discover_tests(maic_${name}_tests DISCOVERY_TIMEOUT 60 TEST_FILTER ${pattern}
                             TEST_LIST ${list_var} PROPERTIES LABELS ${name})
        set(label_file ${CMAKE_CURRENT_BINARY_DIR}/${list_var}_labels.cmake)
        file(WRITE ${label_file} "foreach(t IN LISTS ${list_var})\n"
             "  set_tests_properties(\"\${t}\" PROPERTIES LABELS \"${name};${label}\")\n"
             "endforeach()\n")
        set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${label_file})
        list(APPEND labelled ${pattern})
      endwhile()
      set(rest "")
      if(labelled)
        list(JOIN labelled ":" labelled)
        set(rest TEST_FILTER "-${labelled}")
      endif()
      gtest_discover_tests(maic_${name}_tests DISCOVERY_TIMEOUT 60 ${rest}
                           PROPERTIES LABELS ${name})
    endif()
  endif()
endfunction()
