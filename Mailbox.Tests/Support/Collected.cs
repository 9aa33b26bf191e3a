using Akka.TestKit;

namespace Mailbox.Tests.Support;

/// <summary>
/// "Nothing keeps it any more", asserted: collects until the weak reference is dead, within the kit's patience. A leak
/// test holds only a weak reference, made in a method the JIT may not inline, so no frame of the test keeps the object.
/// </summary>
public static class Collected
{
    /// <summary>Waits (bounded by <see cref="LoopTestKit.Patience"/>) until <paramref name="weak"/>'s target has been collected.</summary>
    /// <param name="kit">The test's kit, whose <c>AwaitAssertAsync</c> bounds the wait.</param>
    /// <param name="weak">The only reference the test kept.</param>
    /// <param name="because">What it means if the target is still reachable.</param>
    public static Task AssertCollectedAsync(this TestKitBase kit, WeakReference weak, string because) =>
        kit.AwaitAssertAsync(
            () =>
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                Assert.False(weak.IsAlive, because);
            },
            LoopTestKit.Patience,
            TimeSpan.FromMilliseconds(20));
}
