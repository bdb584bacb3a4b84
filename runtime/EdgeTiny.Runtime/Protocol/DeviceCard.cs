using EdgeTiny.Runtime.IO;

namespace EdgeTiny.Runtime.Protocol
{
    /// <summary>
    /// The board's storage as the device server uses it (protocol version 2): where tuned adapters are saved
    /// (crash-safely, with <see cref="Training.AdapterFile"/>: <c>AdaptersPath</c>, <c>.new</c>, <c>.old</c>) and where
    /// uploaded text is appended. On an ESP32 both sit on the SD card beside the model; on board-sim in its --card folder.
    /// </summary>
    public sealed class DeviceCard
    {
        public readonly FileStore Files;
        public readonly string AdaptersPath;
        public readonly string UploadPath;

        public DeviceCard(FileStore files, string adaptersPath, string uploadPath)
        {
            if (files == null) throw new System.ArgumentNullException("files");
            Files = files;
            AdaptersPath = adaptersPath;
            UploadPath = uploadPath;
        }
    }
}
