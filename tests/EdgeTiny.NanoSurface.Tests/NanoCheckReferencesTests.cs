using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace EdgeTiny.NanoSurface.Tests;

/// <summary>The subset check compiles the core against the nanoFramework assemblies the firmware really ships with:
/// the assembly references of runtime/EdgeTiny.Runtime.NanoCheck's output (read with System.Reflection.Metadata) must be
/// exactly nanoFramework assemblies pinned by firmware/EdgeTiny.Firmware (packages.config + the .nfproj HintPaths),
/// by name and version, and mscorlib must be nanoFramework's own (the real CoreLibrary package, not a stand-in).</summary>
public sealed partial class NanoCheckReferencesTests
{
    private const string NanoFrameworkPublicKeyToken = "c07d481e9758c731";

    /// <summary>One nanoFramework package the .nfproj references: package id and version (from the HintPath folder
    /// ..\packages\ID.VERSION\lib\ASSEMBLY.dll) and the assembly it ships.</summary>
    public sealed record Pin(string PackageId, string PackageVersion, string AssemblyName)
    {
        /// <summary>The assembly version we declare for a package version: Major.Minor.Build.0 (see runtime/nano-surface/README.md).</summary>
        public Version AssemblyVersion => new(PackageVersion + ".0");
    }

    [GeneratedRegex(@"^\.\.\\packages\\(?<id>.+?)\.(?<version>\d+\.\d+\.\d+)\\lib\\(?<file>[^\\]+)\.(dll|exe)$")]
    private static partial Regex HintPathPattern();

    public static IReadOnlyList<Pin> PinsOf(string nfprojRelative)
    {
        var nfproj = XDocument.Load(Path.Combine(RepoRoot.Find(), nfprojRelative));
        XNamespace ns = "http://schemas.microsoft.com/developer/msbuild/2003";
        var pins = new List<Pin>();
        foreach (var reference in nfproj.Descendants(ns + "Reference"))
        {
            var include = (string)reference.Attribute("Include")!;
            var hint = (string)reference.Element(ns + "HintPath")!;
            var match = HintPathPattern().Match(hint);
            Assert.True(match.Success, $"{nfprojRelative}: HintPath '{hint}' is not ..\\packages\\ID.VERSION\\lib\\ASSEMBLY.dll");
            Assert.Equal(include, match.Groups["file"].Value);
            pins.Add(new Pin(match.Groups["id"].Value, match.Groups["version"].Value, include));
        }

        return pins;
    }

    public static IReadOnlyDictionary<string, string> PackagesConfig(string relative) =>
        XDocument.Load(Path.Combine(RepoRoot.Find(), relative)).Descendants("package")
            .ToDictionary(p => (string)p.Attribute("id")!, p => (string)p.Attribute("version")!);

    private static IReadOnlyList<(string Name, Version Version, string PublicKeyToken)> ReferencesOf(string dll)
    {
        using var stream = File.OpenRead(dll);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        return md.AssemblyReferences.Select(h => md.GetAssemblyReference(h))
            .Select(r => (md.GetString(r.Name), r.Version, Convert.ToHexString(md.GetBlobBytes(r.PublicKeyOrToken)).ToLowerInvariant()))
            .ToList();
    }

    private static string NanoCheckDll(string name = "EdgeTiny.Runtime.NanoCheck")
    {
        var path = Path.Combine(AppContext.BaseDirectory, "nanocheck", name + ".dll");
        Assert.True(File.Exists(path), name + ".dll not copied next to the tests: " + path);
        return path;
    }

    [Theory]
    [InlineData("firmware/EdgeTiny.Firmware/EdgeTiny.Firmware.nfproj", "firmware/EdgeTiny.Firmware/packages.config")]
    [InlineData("tests/EdgeTiny.Device.Tests/EdgeTiny.Device.Tests.nfproj", "tests/EdgeTiny.Device.Tests/packages.config")]
    public void NfprojHintPaths_MatchPackagesConfig(string nfproj, string packagesConfig)
    {
        var config = PackagesConfig(packagesConfig);
        foreach (var pin in PinsOf(nfproj))
        {
            Assert.True(config.TryGetValue(pin.PackageId, out var version), $"{nfproj} references {pin.PackageId}, which {packagesConfig} does not list");
            Assert.Equal(version, pin.PackageVersion);
        }
    }

    [Fact]
    public void DeviceTests_PinTheFirmwaresVersions()
    {
        var firmware = PackagesConfig("firmware/EdgeTiny.Firmware/packages.config");
        foreach (var (id, version) in PackagesConfig("tests/EdgeTiny.Device.Tests/packages.config"))
        {
            if (firmware.TryGetValue(id, out var pinned))
            {
                Assert.True(pinned == version, $"{id}: device tests pin {version}, the firmware {pinned}");
            }
        }
    }

    [Fact]
    public void SubsetCheckOutput_ReferencesExactlyTheFirmwaresNanoFrameworkAssemblies()
    {
        var pins = PinsOf("firmware/EdgeTiny.Firmware/EdgeTiny.Firmware.nfproj").ToDictionary(p => p.AssemblyName);
        var references = ReferencesOf(NanoCheckDll());

        Assert.Contains(references, r => r.Name == "mscorlib");
        foreach (var (name, version, _) in references)
        {
            Assert.True(pins.TryGetValue(name, out var pin), $"the subset check references {name} {version}, which the firmware does not pin");
            Assert.True(pin.AssemblyVersion == version, $"{name}: the subset check compiled against {version}, the firmware pins {pin.PackageId} {pin.PackageVersion} ({pin.AssemblyVersion})");
        }

        // What the core uses today; a new one must be pinned by the firmware first (the loop above) and named here.
        Assert.Equal(
            new[] { "System.IO.FileSystem", "System.IO.Streams", "System.Math", "mscorlib", "nanoFramework.System.Text" },
            references.Select(r => r.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray());
    }

    [Theory]
    [InlineData("EdgeTiny.Firmware.NanoCheck", "firmware/EdgeTiny.Firmware/EdgeTiny.Firmware.nfproj")]
    [InlineData("EdgeTiny.Device.Tests.NanoCheck", "tests/EdgeTiny.Device.Tests/EdgeTiny.Device.Tests.nfproj")]
    public void OtherChecks_ReferenceOnlyWhatTheirNfprojPins(string check, string nfproj)
    {
        var pins = PinsOf(nfproj).ToDictionary(p => p.AssemblyName);
        var references = ReferencesOf(NanoCheckDll(check));
        Assert.Contains(references, r => r.Name == "mscorlib");
        foreach (var (name, version, _) in references)
        {
            Assert.True(pins.TryGetValue(name, out var pin), $"{check} references {name} {version}, which {nfproj} does not reference");
            Assert.True(pin.AssemblyVersion == version, $"{check}: {name} {version}, {nfproj} pins {pin.PackageId} {pin.PackageVersion}");
        }
    }

    [Fact]
    public void Mscorlib_IsNanoFrameworksOwnCoreLibrary()
    {
        var pinned = PackagesConfig("firmware/EdgeTiny.Firmware/packages.config")["nanoFramework.CoreLibrary"];
        var mscorlib = Assert.Single(ReferencesOf(NanoCheckDll()), r => r.Name == "mscorlib");
        Assert.Equal(new Version(pinned + ".0"), mscorlib.Version);
        Assert.Equal(NanoFrameworkPublicKeyToken, mscorlib.PublicKeyToken); // signed by nanoFramework: not a hand-written stand-in

        using var stream = File.OpenRead(NanoCompiler.FindNanoAssembly("mscorlib"));
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var definition = md.GetAssemblyDefinition();
        Assert.Equal(new Version(pinned + ".0"), definition.Version);
        Assert.False(definition.PublicKey.IsNil);
    }

    [Fact]
    public void HandWrittenAssemblies_CarryTheFirmwaresPinnedVersions()
    {
        var pins = PinsOf("firmware/EdgeTiny.Firmware/EdgeTiny.Firmware.nfproj").ToDictionary(p => p.AssemblyName);
        foreach (var name in NanoCompiler.AssemblyNames.Where(n => n != "mscorlib" && pins.ContainsKey(n)))
        {
            using var stream = File.OpenRead(NanoCompiler.FindNanoAssembly(name));
            using var pe = new PEReader(stream);
            var definition = pe.GetMetadataReader().GetAssemblyDefinition();
            Assert.True(pins[name].AssemblyVersion == definition.Version, $"{name}: declared {definition.Version}, the firmware pins {pins[name].PackageId} {pins[name].PackageVersion}");
        }
    }
}
