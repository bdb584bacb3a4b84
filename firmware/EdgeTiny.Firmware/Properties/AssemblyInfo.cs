using System.Reflection;

[assembly: AssemblyTitle("EdgeTiny.Firmware")]
[assembly: AssemblyDescription("EdgeTiny device firmware: the runtime core serving the device protocol over a serial port")]
[assembly: AssemblyProduct("EdgeTiny")]
[assembly: AssemblyVersion("1.0.0.0")]
