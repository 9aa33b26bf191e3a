using Xunit.Sdk;

namespace Mailbox.TestKit;

// Faults fail tests by default, the way Akka.TestKit reports unhandled messages: every CallbackFaulted and
// UnobservedCoroutineFault of a loop under test goes to the fault log, an expectation claims the ones the test meant,
// and the test's end fails on what is left. An UnobservedCoroutineFault comes only when .NET collects the dropped task,
// so it is caught only if a collection happens before the test ends (a test that means to see one forces it).
public abstract partial class LoopTestKit
{
    /// <summary>The faults of this test's loops not yet claimed by an expectation.</summary>
    internal FaultLog Faults { get; } = new();

    /// <summary>
    /// Whether a fault no expectation claimed fails the test at its end. True; a class whose tests provoke faults by the
    /// thousand and count them another way may say false.
    /// </summary>
    protected virtual bool UnexpectedFaultsFailTheTest => true;

    /// <summary>
    /// Expects a fault — a <see cref="CallbackFaulted"/> or <see cref="UnobservedCoroutineFault"/> of a loop under test —
    /// whose exception is a <typeparamref name="TException"/>, reported already or within <paramref name="duration"/>,
    /// and claims it, so it does not fail the test at its end. Faults are claimed in the order they were reported.
    /// </summary>
    /// <typeparam name="TException">The exception's type (or a base of it).</typeparam>
    /// <param name="loop">Only a fault of this loop; any loop under test when null.</param>
    /// <param name="duration">How long to wait; <see cref="Patience"/> when null.</param>
    /// <param name="hint">Said in the failure.</param>
    /// <returns>The exception.</returns>
    /// <exception cref="XunitException">No such fault within <paramref name="duration"/>; the message lists the faults seen.</exception>
    protected async Task<TException> ExpectFaultAsync<TException>(LoopActor? loop = null, TimeSpan? duration = null, string? hint = null)
        where TException : Exception
    {
        var limit = duration ?? Patience;
        var fault = await Faults.ClaimAsync(
            f => f.Exception is TException && (loop is null || f.Source.Is(loop)),
            DateTime.UtcNow + limit).ConfigureAwait(false);
        if (fault is null)
        {
            string from = loop is null ? "any loop under test" : $"loop '{loop.Name}'";
            var others = Faults.Unclaimed();
            string seen = others.Length == 0 ? "none" : string.Join("; ", others.Select(f => f.ToString()));
            throw new XunitException(
                $"expected a fault with {typeof(TException).FullName} from {from} within {limit}{(hint is null ? "" : $" ({hint})")}; unclaimed faults: {seen}");
        }

        return (TException)fault.Exception;
    }
}
