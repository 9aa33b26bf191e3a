using System.Globalization;
using Xunit.Sdk;

namespace Mailbox.TestKit;

// The test's end. Order matters: the gates open first (a held loop answers nothing); the forgotten-work check asks the
// loops before anything stops them (a Drain stop would run queued work and hide that the test never waited for it);
// the stops come next, each with a timeout on the loop's own clock, and the kit advances its Clock past that timeout
// when a stop is slow (a loop on virtual time would otherwise wait forever for a coroutine that ignores cancellation);
// the faults are read last, so that a fault raised by work the stop drained is reported too. Each check that fails is
// noted and the end goes on: a loop that does not answer or stop fails the test, but the others are stopped all the same.
public abstract partial class LoopTestKit
{
    /// <summary>The timeout of the stops at the test's end, on each loop's clock.</summary>
    private static readonly TimeSpan EndStopTimeout = TimeSpan.FromSeconds(1);

    /// <summary>How long the end waits for a stop on its own before it moves <see cref="Clock"/> past <see cref="EndStopTimeout"/>.</summary>
    private static readonly TimeSpan EndStopGrace = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long the test's end waits for each loop's answer, for each loop's stop and for the group's:
    /// <see cref="Patience"/> unless a class says otherwise (a test of the kit that shows a stop failing, say).
    /// </summary>
    protected virtual TimeSpan EndPatience => Patience;

    /// <summary>The body of <see cref="DisposeAsync"/>.</summary>
    private async Task VerifyAndStopAsync()
    {
        var failures = new List<string>();
        var patience = EndPatience;
        Gate[] gates;
        lock (_lock)
        {
            gates = [.. _gates];
        }

        foreach (var gate in gates)
        {
            gate.Dispose();
        }

        var loops = LoopsUnderTest();
        foreach (var watched in loops)
        {
            if (watched.Loop.State != LoopState.Running)
            {
                continue;
            }

            PendingWork? answer;
            try
            {
                answer = await AskAsync(watched, patience, "the end of the test").ConfigureAwait(false);
            }
            catch (XunitException silent)
            {
                // A loop that does not answer fails the test, but the stops below still run: for it (its stop's
                // timeout ends it if the clock allows), for every other loop and for the group, so no thread outlives the test.
                failures.Add(silent.Message);
                continue;
            }

            if (answer is not null && HoldsForgottenWork(watched, answer))
            {
                failures.Add(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{watched} still had work when the test ended (wait for it, e.g. with RunUntilIdleAsync, or stop the loop): {answer}"));
            }
        }

        foreach (var watched in loops)
        {
            if (!await StopAsync(watched.Loop, watched.IsOnKitClock, patience).ConfigureAwait(false))
            {
                failures.Add($"{watched} did not stop within {patience} at the end of the test");
            }
        }

        LoopGroup? group;
        lock (_lock)
        {
            group = _group;
        }

        if (group is not null && !await StopGroupAsync(group, patience).ConfigureAwait(false))
        {
            failures.Add($"group '{group.Name}' did not stop within {patience} at the end of the test");
        }

        if (UnexpectedFaultsFailTheTest)
        {
            var faults = Faults.Unclaimed();
            if (faults.Length > 0)
            {
                failures.Add(
                    $"{faults.Length} fault(s) of loops under test that the test did not expect (ExpectFaultAsync claims one): "
                    + string.Join("; ", faults.Take(10).Select(f => f.ToString()))
                    + (faults.Length > 10 ? $"; and {faults.Length - 10} more" : ""));
            }
        }

        if (failures.Count > 0)
        {
            throw new XunitException(string.Join(Environment.NewLine, failures));
        }
    }

    /// <summary>Work the test left behind: anything queued or ready, a live coroutine, or a timer already due.</summary>
    private static bool HoldsForgottenWork(LoopUnderTest watched, PendingWork answer) =>
        !IsIdle(watched, answer) || answer.LiveCoroutines > 0;

    /// <summary>Stops a loop with Drain and waits for it; false if it did not stop within <paramref name="patience"/>.</summary>
    private async Task<bool> StopAsync(LoopActor loop, bool onKitClock, TimeSpan patience)
    {
        var stop = loop.StopAsync(StopMode.Drain, EndStopTimeout);
        if (onKitClock && await Task.WhenAny(stop, Task.Delay(EndStopGrace)).ConfigureAwait(false) != stop)
        {
            Clock.Advance(EndStopTimeout);
        }

        return await Task.WhenAny(stop, Task.Delay(patience)).ConfigureAwait(false) == stop;
    }

    /// <summary>Stops the test's group (its loops are already stopped, or were spawned into it by the test) and joins its threads.</summary>
    private async Task<bool> StopGroupAsync(LoopGroup group, TimeSpan patience)
    {
        var stop = group.StopAsync(StopMode.Drain, EndStopTimeout);
        if (await Task.WhenAny(stop, Task.Delay(EndStopGrace)).ConfigureAwait(false) != stop)
        {
            Clock.Advance(EndStopTimeout);
        }

        var done = Task.WhenAll(stop, group.Completion);
        if (await Task.WhenAny(done, Task.Delay(patience)).ConfigureAwait(false) != done)
        {
            return false;
        }

        var report = await stop.ConfigureAwait(false);
        Output?.WriteLine($"group '{group.Name}': {report.Loops} loops, executed {report.Executed}, discarded {report.Discarded}");
        return true;
    }
}
