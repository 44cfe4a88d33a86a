# The Debian package (CPack's DEB generator): `bash packaging/build-deb.sh`
# builds it. Installed layout: both programs in /usr/bin, the units of
# packaging/ (ExecStart at /usr/bin) in /lib/systemd/system, example web
# configs and tokens file in /usr/share/doc/dockward/examples. Users and
# directories come from packaging/deb/postinst; Depends from dpkg-shlibdeps.
include(GNUInstallDirs)

install(TARGETS dockward RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET dockward-store)
  install(TARGETS dockward-store RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

# The units as shipped, but for the packaged binaries' path.
foreach(unit dockward dockward-store)
  file(READ "${CMAKE_SOURCE_DIR}/packaging/${unit}.service" _unit)
  string(REPLACE "/usr/local/bin/" "/usr/bin/" _unit "${_unit}")
  file(WRITE "${CMAKE_BINARY_DIR}/packaging/${unit}.service" "${_unit}")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
    "${CMAKE_SOURCE_DIR}/packaging/${unit}.service")
  install(FILES "${CMAKE_BINARY_DIR}/packaging/${unit}.service" DESTINATION /lib/systemd/system)
endforeach()

set(_doc "${CMAKE_INSTALL_DATAROOTDIR}/doc/dockward")
configure_file("${CMAKE_SOURCE_DIR}/packaging/deb/changelog.in"
  "${CMAKE_BINARY_DIR}/packaging/changelog" @ONLY)
find_program(GZIP gzip REQUIRED)
add_custom_command(OUTPUT "${CMAKE_BINARY_DIR}/packaging/changelog.gz"
  COMMAND ${GZIP} -9nf -k "${CMAKE_BINARY_DIR}/packaging/changelog"
  DEPENDS "${CMAKE_BINARY_DIR}/packaging/changelog")
add_custom_target(dockward_changelog ALL DEPENDS "${CMAKE_BINARY_DIR}/packaging/changelog.gz")
install(FILES "${CMAKE_BINARY_DIR}/packaging/changelog.gz" "${CMAKE_SOURCE_DIR}/packaging/deb/copyright"
  DESTINATION ${_doc})
install(FILES "${CMAKE_SOURCE_DIR}/packaging/deb/tokens.example"
  DESTINATION ${_doc}/examples)
install(DIRECTORY "${CMAKE_SOURCE_DIR}/packaging/web-config/" DESTINATION ${_doc}/examples/web-config)
install(FILES "${CMAKE_SOURCE_DIR}/packaging/deb/lintian-overrides"
  DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/lintian/overrides RENAME dockward)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME dockward)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "dockward dev <dev@dockward.invalid>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/dockward/dockward")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "continuous CIS Docker Benchmark audit with Prometheus metrics")
# The extended description (CPack puts the summary above it).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "dockward audits a Docker host against the CIS Docker Benchmark every minute
and serves the results as Prometheus metrics; dockward-store keeps a fleet's
reports in SQLite and records which check changed on which host.")
# Depends: the shared libraries' packages (dpkg-shlibdeps), plus adduser
# for postinst.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA "${CMAKE_SOURCE_DIR}/packaging/deb/postinst"
  "${CMAKE_SOURCE_DIR}/packaging/deb/prerm" "${CMAKE_SOURCE_DIR}/packaging/deb/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
  GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
include(CPack)
