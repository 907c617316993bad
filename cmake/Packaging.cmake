# Debian packages with CPack (docs/packaging.md): `softvfio` (the command,
# the shim, and whatever else share/ installs: man pages, completions) and
# `softvfio-dev` (the client library's install component `client`).
# Build them with `cmake --build <dir> --target package` or `cpack` in <dir>.
include(GNUInstallDirs)

set(SOFTVFIO_DEB_MAINTAINER "softvfio maintainers <maintainers@users.noreply.b-seed-db94f783.example>"
  CACHE STRING "Maintainer field of the Debian packages")
set(SOFTVFIO_DEB_RELEASE 1 CACHE STRING "Debian revision of the packages (the part after the '-')")
set(SOFTVFIO_DEB_VERSION ${PROJECT_VERSION}-${SOFTVFIO_DEB_RELEASE})

# Every Debian package carries its copyright (machine-readable, with the text
# of LICENSE), a changelog.Debian.gz (the packages are non-native) and its
# lintian overrides. EXCLUDE_FROM_ALL: only the packages get them, a plain
# `cmake --install` does not.
file(READ ${PROJECT_SOURCE_DIR}/LICENSE license)
string(REGEX REPLACE "^.*\n(Permission )" "\\1" license "${license}")
string(STRIP "${license}" license)
string(REPLACE "\n\n" "\n.\n" license "${license}")
string(REPLACE "\n" "\n " SOFTVFIO_DEB_LICENSE_TEXT " ${license}")
set(deb_in ${CMAKE_CURRENT_LIST_DIR}/debian)
set(deb_dir ${CMAKE_CURRENT_BINARY_DIR}/debian)
configure_file(${deb_in}/copyright.in ${deb_dir}/copyright @ONLY)
configure_file(${deb_in}/changelog.in ${deb_dir}/changelog @ONLY)
# -n: no name or time stamp in the header, so the file is reproducible.
execute_process(COMMAND gzip -9nc ${deb_dir}/changelog OUTPUT_FILE ${deb_dir}/changelog.Debian.gz
  COMMAND_ERROR_IS_FATAL ANY)
foreach(pkg softvfio softvfio-dev)
  install(FILES ${deb_dir}/copyright ${deb_dir}/changelog.Debian.gz
    DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${pkg} COMPONENT deb_${pkg} EXCLUDE_FROM_ALL)
  install(FILES ${deb_in}/${pkg}.lintian-overrides DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/lintian/overrides
    RENAME ${pkg} COMPONENT deb_${pkg} EXCLUDE_FROM_ALL)
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME softvfio)
set(CPACK_PACKAGE_VENDOR "The softvfio authors")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Stripping and compressed manual pages (what debhelper would do).
set(CPACK_PRE_BUILD_SCRIPTS ${deb_in}/prebuild.cmake)
set(CPACK_SOFTVFIO_STRIP ${CMAKE_STRIP})
# Directories CPack's staging install creates are 0755 whatever the umask.
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
  OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${SOFTVFIO_DEB_RELEASE})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${SOFTVFIO_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Runtime dependencies of the command and the shim from dpkg-shlibdeps.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)

set(CPACK_DEBIAN_MAIN_PACKAGE_NAME softvfio)
set(CPACK_DEBIAN_MAIN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_MAIN_DESCRIPTION "userspace model of Linux vfio-pci for testing VFIO drivers
softvfio runs the Linux vfio-pci driver, its IOMMU back ends (type1 and
iommufd) and DMABUF export as a model in ordinary processes, with
software PCI devices described in TOML. No real device, IOMMU or root
privileges are needed.

The softvfio command shows the model at work (demo, info, maps, trace)
and runs unmodified programs against software devices: `softvfio run`
preloads an interposer library that answers the VFIO device nodes, the
sysfs entries and the ioctls. The built-in device presets (edu,
ivshmem-plain, nic) are compiled into the command.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME softvfio-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "softvfio (= ${SOFTVFIO_DEB_VERSION})")
set(CPACK_DEBIAN_DEV_DESCRIPTION "C++ client library for VFIO devices - development files
A C++20 library for userspace VFIO drivers: opening a device through the
iommufd character device or a VFIO group, regions, BAR mappings
(write-combined through DMABUF where the kernel offers it), guarded
accesses that report SIGBUS as an error, interrupts and DMA mappings. The
same program drives a real device or, under `softvfio run`, a software
one.

This package holds the headers (with softvfio's own definitions of the
VFIO, iommufd and dma-buf uAPI), the static library, a CMake package
(find_package(softvfio)) and a pkg-config file (softvfio-client).")

# Components are sorted into the two packages once every directory has added
# its install rules: `client` is the -dev package, the in-process model
# (`model`) is not packaged (docs/packaging.md), everything else - the
# command and the shim (`Unspecified`), share/'s components - is softvfio.
function(softvfio_package_components)
  get_cmake_property(components COMPONENTS)
  list(REMOVE_ITEM components model)
  foreach(component IN LISTS components)
    string(TOUPPER ${component} upper)
    if(component MATCHES "^(client|deb_softvfio-dev)$")
      set(CPACK_COMPONENT_${upper}_GROUP dev PARENT_SCOPE)
    else()
      set(CPACK_COMPONENT_${upper}_GROUP main PARENT_SCOPE)
    endif()
  endforeach()
  set(CPACK_COMPONENTS_ALL ${components} PARENT_SCOPE)
endfunction()

macro(softvfio_package)
  softvfio_package_components()
  include(CPack)
endmacro()
cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL softvfio_package)
