using System.Runtime.CompilerServices;
using Xunit.Abstractions;

namespace Mailbox.Tests.Core;

/// <summary>
/// What a stopped loop still holds: nothing of the messages an Immediate stop discarded, even while the application
/// keeps the loop itself (a field of a long-lived service, say).
/// </summary>
public abstract class StopReleaseTests(ITestOutputHelper output) : LoopTestKit(output)
{
    private const int Discarded = 3;

    [Fact]
    public async Task StopAsyncImmediate_QueuedPostsDiscarded_AreNotHeldByTheStoppedLoop()
    {
        await using var loop = Spawn();
        using var gate = new Gate();
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        var payloads = PostPayloads(loop, Discarded);

        var stop = loop.StopAsync(StopMode.Immediate);
        gate.Open();
        var report = await WithinAsync(stop);

        Assert.Equal(Discarded, report.Discarded);
        await AwaitAssertAsync(
            () =>
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                Assert.DoesNotContain(payloads, p => p.IsAlive);
            },
            Patience,
            TimeSpan.FromMilliseconds(20));
        GC.KeepAlive(loop);
    }

    /// <summary>Posts <paramref name="count"/> callbacks, each with a state object only its message references; returns weak references to them.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference[] PostPayloads(LoopActor loop, int count)
    {
        var weak = new WeakReference[count];
        for (int i = 0; i < count; i++)
        {
            var payload = new object();
            loop.Post(static _ => { }, payload);
            weak[i] = new WeakReference(payload);
        }

        return weak;
    }
}

/// <summary><see cref="StopReleaseTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class StopReleaseTests_Dedicated(ITestOutputHelper output) : StopReleaseTests(output);

/// <summary><see cref="StopReleaseTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class StopReleaseTests_Grouped(ITestOutputHelper output) : StopReleaseTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}
