using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Timers;

/// <summary>
/// What setting a timer allocates on the loop thread, measured with <see cref="GC.GetAllocatedBytesForCurrentThread"/>
/// after warm-up rounds (so the timer queue's array has grown): the <see cref="TimerHandle"/> the call returns, and
/// nothing else; a zero <see cref="LoopActor.Delay"/> without a token, nothing at all.
/// </summary>
public abstract class TimerAllocationTests(ITestOutputHelper output) : LoopTestKit(output)
{
    private const int Timers = 10_000;

    private static readonly Action s_noop = static () => { };

    [Fact]
    public async Task CallLater_OnTheLoop_AllocatesItsHandleAlone()
    {
        await using var loop = Spawn(new LoopOptions { TimeProvider = new FakeTimeProvider() });
        long perTimer = await loop.RunAsync(() =>
        {
            var handles = new TimerHandle[Timers];
            long bytes = 0;
            for (int round = 0; round < 3; round++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < handles.Length; i++)
                {
                    handles[i] = loop.CallLater(TimeSpan.FromMinutes(1 + i), s_noop);
                }

                bytes = GC.GetAllocatedBytesForCurrentThread() - before;
                foreach (var handle in handles)
                {
                    Assert.True(handle.Cancel());
                }
            }

            return Task.FromResult(bytes / Timers);
        });

        Output?.WriteLine($"a timer costs {perTimer} B");
        Assert.InRange(perTimer, 1, 48); // the handle: its due time lives in the queue, not in it
    }

    [Fact]
    public async Task DelayZero_WithoutToken_AllocatesNothingPerStep()
    {
        await using var loop = Spawn(new LoopOptions { TimeProvider = new FakeTimeProvider() });
        long lastRound = await loop.RunAsync(async () =>
        {
            long bytes = 0;
            for (int round = 0; round < 3; round++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < Timers; i++)
                {
                    await LoopActor.Delay(TimeSpan.Zero);
                }

                bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            }

            return bytes;
        });

        Assert.Equal(0, lastRound); // the whole last round of 10,000 steps, not a per-step average
    }
}

/// <summary><see cref="TimerAllocationTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class TimerAllocationTests_Dedicated(ITestOutputHelper output) : TimerAllocationTests(output);

/// <summary><see cref="TimerAllocationTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class TimerAllocationTests_Grouped(ITestOutputHelper output) : TimerAllocationTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}
