// Checked against nanoframework/System.IO.FileSystem: System.IO.FileSystem/nanoFramework/SDCard.cs (instance API with
// Mount/Unmount, commit 8b6b285), SDCardSpiParameters.cs, SDCardMmcParameters.cs, CardDetectParameters.cs; usage as in
// nanoframework/Samples samples/System.IO.FileSystem/MountExample. Package nanoFramework.System.IO.FileSystem (1.1.x).
// Only what the firmware needs: the constructors, Mount/Unmount/IsMounted, the parameter objects, SDDataWidth.
namespace nanoFramework.System.IO.FileSystem
{
    public class SDCard : global::System.IDisposable
    {
        public SDCard(uint slotIndex = 0) { }
        public SDCard(SDCardMmcParameters mmcParameters, CardDetectParameters cdParameters = null) { }
        public SDCard(SDCardSpiParameters spiParameters, CardDetectParameters cdParameters = null) { }
        public bool IsMounted => throw null;
        public uint SlotIndex => throw null;
        public void Mount() => throw null;
        public void Unmount() => throw null;
        public void Dispose() => throw null;

        public enum SDDataWidth
        {
            _1_bit = 1,
            _4_bit = 2,
        }
    }

    public class SDCardSpiParameters
    {
        public uint slotIndex = 0;
        public uint spiBus;
        public uint chipSelectPin;
    }

    public class SDCardMmcParameters
    {
        public uint slotIndex = 0;
        public SDCard.SDDataWidth dataWidth;
    }

    public class CardDetectParameters
    {
        public bool enableCardDetectPin;
        public bool cardDetectedState;
        public uint cardDetectPin;
        public bool autoMount = true;
    }
}
