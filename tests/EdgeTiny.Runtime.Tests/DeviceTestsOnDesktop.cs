using System.Reflection;

namespace EdgeTiny.Runtime.Tests;

/// <summary>
/// Runs every [TestMethod] of the nanoFramework device tests (tests/EdgeTiny.Device.Tests, built for the desktop by its
/// Desktop/ project against a stand-in of nanoFramework.TestFramework), so their logic is checked here too.
/// </summary>
public sealed class DeviceTestsOnDesktop
{
    private static readonly Assembly DeviceTests = Assembly.Load("EdgeTiny.Device.Tests.Desktop");

    public static IEnumerable<object[]> Methods() =>
        DeviceTests.GetTypes()
            .Where(t => t.GetCustomAttributes().Any(a => a.GetType().Name == "TestClassAttribute"))
            .SelectMany(t => t.GetMethods().Where(m => m.GetCustomAttributes().Any(a => a.GetType().Name == "TestMethodAttribute"))
                .Select(m => new object[] { t.Name + "." + m.Name }));

    [Fact]
    public void There_are_device_tests()
    {
        Assert.True(Methods().Count() >= 10);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void Device_test_passes_on_the_desktop(string name)
    {
        string[] parts = name.Split('.');
        Type type = DeviceTests.GetTypes().Single(t => t.Name == parts[0]);
        object instance = Activator.CreateInstance(type)!;
        try
        {
            type.GetMethod(parts[1])!.Invoke(instance, null);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }
}
