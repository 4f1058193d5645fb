# Project-wide warning flags. SOC_WERROR (ON in CI) turns them into errors.
option(SOC_WERROR "Treat warnings as errors" OFF)

function(soc_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wno-sign-conversion -Wnon-virtual-dtor
                                           -Wold-style-cast -Woverloaded-virtual)
  if(SOC_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
