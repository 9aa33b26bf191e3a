using Xunit.Abstractions;

namespace Mailbox.Tests.Reliability;

public abstract class FaultVolumeTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    [Trait("Category", "Stress")]
    public async Task Post_TenThousandThrowingCallbacksAmongGoodOnes_AllGoodOnesRunAndEveryFaultIsReportedOnce()
    {
        const int Each = 10_000;
        var observer = new CountingObserver();
        int policyCalls = 0; // loop-owned
        var seen = new HashSet<int>(); // loop-owned: the fault ids the policy saw
        var loop = Spawn(new LoopOptions
        {
            Observer = observer,
            OnUnhandledException = e =>
            {
                policyCalls++;
                seen.Add(int.Parse(e.Message, System.Globalization.CultureInfo.InvariantCulture));
                return FaultDirective.Resume;
            },
        });
        int good = 0;
        for (int i = 0; i < Each; i++)
        {
            int id = i;
            loop.Post(() => throw new InvalidOperationException(id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            loop.Post(() => good++);
        }

        var report = await WithinAsync(loop.StopAsync());
        Assert.Equal(Each, good);
        Assert.Equal(Each, policyCalls);
        Assert.Equal(Each, seen.Count);
        Assert.Equal(Each, observer.Faults);
        Assert.Equal(2 * Each, report.Executed);
        Assert.Equal(1, observer.Completions);
        for (int i = 0; i < Each; i++)
        {
            await ExpectFaultAsync<InvalidOperationException>(loop); // the kit saw each one too, in order
        }

        Output?.WriteLine($"faults injected {Each}, reported to the policy {policyCalls}, to the observer {observer.Faults}");
    }

    private sealed class CountingObserver : IObserver<LoopEvent>
    {
        public int Faults { get; private set; }

        public int Completions { get; private set; }

        public void OnCompleted() => Completions++;

        public void OnError(Exception error) { }

        public void OnNext(LoopEvent value)
        {
            if (value is CallbackFaulted)
            {
                Faults++;
            }
        }
    }
}

/// <summary><see cref="FaultVolumeTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class FaultVolumeTests_Dedicated(ITestOutputHelper output) : FaultVolumeTests(output);

/// <summary><see cref="FaultVolumeTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class FaultVolumeTests_Grouped(ITestOutputHelper output) : FaultVolumeTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}
