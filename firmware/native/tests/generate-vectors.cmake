# CTest fixture: builds tests/EdgeTiny.KernelVectors (one MSBuild node: the machines are shared) and runs it to write
# the kernel test vectors, computed by the C# PortableKernels, into OUT.
#   cmake -DDOTNET=dotnet -DREPO=<repo root> -DOUT=<dir> -P generate-vectors.cmake
set(project "${REPO}/tests/EdgeTiny.KernelVectors/EdgeTiny.KernelVectors.csproj")
execute_process(COMMAND "${DOTNET}" build "${project}" -c Release -m:1 -nologo -v:q
                COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND "${DOTNET}" run --no-build --project "${project}" -c Release -- "${OUT}"
                COMMAND_ERROR_IS_FATAL ANY)
