using System.Runtime.InteropServices;

namespace Mailbox;

/// <summary>An int alone on its 128-byte block, so that the thread writing it shares no cache line with other hot fields.</summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct PaddedInt
{
    [FieldOffset(64)]
    public int Value;
}
