using System.Reflection;

[assembly: AssemblyTitle("NFUnitTest")]
[assembly: AssemblyDescription("EdgeTiny runtime core tests for nanoFramework.TestFramework")]
[assembly: AssemblyVersion("1.0.0.0")]
