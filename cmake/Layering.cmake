# The server is built in layers, each a static library with its own include root, so a source
# can include only the headers of its own layer and of the layers it links:
#   shoal_base -> shoal_rtc -> shoal_media -> shoal_cluster -> shoal_control -> shoal (app)
# A link may only point down this list. Static libraries may link in a cycle without CMake
# complaining, so an upward link (the first step of a cycle) stops the configure step here.
function(shoal_check_layering)
  set(layers ${ARGN})
  foreach(target ${layers})
    list(FIND layers ${target} target_index)
    get_target_property(private_links ${target} LINK_LIBRARIES)
    get_target_property(interface_links ${target} INTERFACE_LINK_LIBRARIES)
    foreach(link ${private_links} ${interface_links})
      list(FIND layers "${link}" link_index)
      if(link_index GREATER_EQUAL target_index)
        message(FATAL_ERROR "Layering violation: ${target} links ${link}, which is not below it "
                            "(layers from the bottom: ${layers})")
      endif()
    endforeach()
  endforeach()
endfunction()
