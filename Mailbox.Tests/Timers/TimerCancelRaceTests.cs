using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Timers;

/// <summary><see cref="TimerHandle.Cancel"/> from a foreign thread racing the loop's firing: each timer fires or is cancelled, exactly one of the two.</summary>
public abstract class TimerCancelRaceTests(ITestOutputHelper output) : LoopTestKit(output)
{
    private const int Rounds = 10;

    private const int TimersPerRound = 1_000;

    [Fact]
    [Trait("Category", "Stress")]
    public async Task Cancel_RacingTheFiringTenThousandTimes_EachTimerFiresXorIsCancelled()
    {
        var fake = new FakeTimeProvider();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake });
        var random = new Random(7);
        int firedOnLoop = 0; // loop thread only
        int totalFired = 0;
        int totalCancelled = 0;

        for (int round = 0; round < Rounds; round++)
        {
            // Due 1..4 ms ahead, so one Advance(5 ms) makes the whole round due while the canceller runs.
            int[] delaysMs = Enumerable.Range(0, TimersPerRound).Select(_ => random.Next(1, 5)).ToArray();
            var handles = await WithinAsync(loop.RunAsync(() => Task.FromResult(
                delaysMs.Select(d => loop.CallLater(TimeSpan.FromMilliseconds(d), () => firedOnLoop++)).ToArray())));
            int[] cancelOrder = Enumerable.Range(0, TimersPerRound).OrderBy(_ => random.Next()).ToArray();
            bool[] cancelled = new bool[TimersPerRound];

            using var startLine = new Barrier(2);
            var canceller = OnDedicatedThread(() =>
            {
                Assert.True(startLine.SignalAndWait(Patience), "the advancing thread never came");
                foreach (int i in cancelOrder)
                {
                    cancelled[i] = handles[i].Cancel();
                }
            });
            var advancer = OnDedicatedThread(() =>
            {
                Assert.True(startLine.SignalAndWait(Patience), "the cancelling thread never came");
                fake.Advance(TimeSpan.FromMilliseconds(5));
            });
            await WithinAsync(Task.WhenAll(canceller, advancer));

            // The cancels' messages went before this query on the control lane; firings happen before the count drops.
            await AwaitAssertAsync(
                async () => Assert.Equal(0, (await loop.QueryPendingAsync()).PendingTimers),
                Patience,
                TimeSpan.FromMilliseconds(5));
            int fired = await WithinAsync(loop.RunAsync(() => Task.FromResult(firedOnLoop)));

            for (int i = 0; i < TimersPerRound; i++)
            {
                var handle = handles[i];
                Assert.True(handle.HasFired ^ handle.IsCancelled, $"round {round}, timer {i}: HasFired={handle.HasFired}, IsCancelled={handle.IsCancelled}");
                Assert.Equal(cancelled[i], handle.IsCancelled);
                Assert.False(handle.Cancel(), $"round {round}, timer {i}: a second Cancel returned true");
            }

            totalFired += handles.Count(h => h.HasFired);
            totalCancelled += cancelled.Count(c => c);
            Assert.Equal(totalFired, fired);
            Assert.Equal((round + 1) * TimersPerRound, totalFired + totalCancelled);
        }

        Output.WriteLine($"{totalFired} fired, {totalCancelled} cancelled, of {Rounds * TimersPerRound}");
    }
}

/// <summary><see cref="TimerCancelRaceTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class TimerCancelRaceTests_Dedicated(ITestOutputHelper output) : TimerCancelRaceTests(output);

/// <summary><see cref="TimerCancelRaceTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class TimerCancelRaceTests_Grouped(ITestOutputHelper output) : TimerCancelRaceTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}
