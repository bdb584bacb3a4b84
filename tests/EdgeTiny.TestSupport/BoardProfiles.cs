using EdgeTiny.Host.Boards;

namespace EdgeTiny.TestSupport;

/// <summary>
/// The board profiles in the repository's boards/ folder, read with the project's own reader
/// (<see cref="BoardCatalog"/>, which validates them). Tests take board numbers — budgets, SD timing — from here
/// instead of restating them, so a profile edit moves the tests with it.
/// </summary>
public static class BoardProfiles
{
    public static string Directory => System.IO.Path.Combine(SharedData.RepoRoot, "boards");

    private static readonly Dictionary<string, BoardProfile> s_cache = [];

    /// <summary>The profile with this id (boards/<paramref name="id"/>.json).</summary>
    public static BoardProfile Get(string id)
    {
        lock (s_cache)
        {
            if (!s_cache.TryGetValue(id, out BoardProfile? p)) s_cache[id] = p = BoardCatalog.Find(id, Directory);
            return p;
        }
    }

    /// <summary>ESP32-WROOM-32: no PSRAM, the smallest budget; SD card over SPI.</summary>
    public static BoardProfile Wroom => Get("esp32-wroom-32");

    /// <summary>ESP32-S3-DevKitC-1 N8R8: PSRAM, SD card on SDMMC 4-bit.</summary>
    public static BoardProfile S3 => Get("esp32-s3-devkitc-1-n8r8");

    public static BoardProfile WroverKit => Get("esp32-wrover-kit");
}
