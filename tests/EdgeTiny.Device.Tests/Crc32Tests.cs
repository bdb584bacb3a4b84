#nullable disable
using EdgeTiny.Runtime.Format;
using nanoFramework.TestFramework;

namespace EdgeTiny.Device.Tests
{
    [TestClass]
    public class Crc32Tests
    {
        [TestMethod]
        public void Check_value_of_123456789_is_CBF43926()
        {
            byte[] data = new byte[] { 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39 };
            Assert.AreEqual(0xCBF43926u, Crc32.Compute(data, 0, data.Length));
        }

        [TestMethod]
        public void Empty_input_gives_zero_and_pieces_equal_the_whole()
        {
            byte[] data = new byte[300];
            for (int i = 0; i < data.Length; i++) data[i] = (byte)(i * 7 + 3);
            Assert.AreEqual(0u, Crc32.Compute(data, 0, 0));
            uint state = Crc32.Update(Crc32.Initial, data, 0, 100);
            state = Crc32.Update(state, data, 100, 200);
            Assert.AreEqual(Crc32.Compute(data, 0, 300), Crc32.Finish(state));
        }
    }
}
