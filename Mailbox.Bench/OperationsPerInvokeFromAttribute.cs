using System.Globalization;
using BenchmarkDotNet.Running;

namespace Mailbox.Bench;

/// <summary>
/// Says that one invocation of the benchmark performs (the value of the <c>[Params]</c> property
/// <see cref="ParameterName"/>) × <see cref="Multiplier"/> operations: the count BenchmarkDotNet's
/// <c>OperationsPerInvoke</c> cannot take from a parameter (it must be a constant; dotnet/BenchmarkDotNet#1832).
/// BenchmarkDotNet's own columns stay per invocation for such a benchmark; <see cref="Export.PerOperationColumn"/> and the
/// SVG chart divide them by this count.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class OperationsPerInvokeFromAttribute : Attribute
{
    /// <summary>Declares <paramref name="parameterName"/> × <paramref name="multiplier"/> operations per invocation.</summary>
    /// <param name="parameterName">An <see cref="int"/> <c>[Params]</c> property of the benchmark class.</param>
    /// <param name="multiplier">Operations per unit of the parameter.</param>
    public OperationsPerInvokeFromAttribute(string parameterName, int multiplier = 1)
    {
        ParameterName = parameterName;
        Multiplier = multiplier;
    }

    /// <summary>The <c>[Params]</c> property that counts the units of work.</summary>
    public string ParameterName { get; }

    /// <summary>Operations per unit of the parameter.</summary>
    public int Multiplier { get; }

    /// <summary>
    /// How many operations one of BenchmarkDotNet's operations of <paramref name="benchmarkCase"/> stands for: the
    /// parameter's value × the multiplier when the benchmark carries this attribute, else 1.
    /// </summary>
    public static long OperationsPer(BenchmarkCase benchmarkCase)
    {
        ArgumentNullException.ThrowIfNull(benchmarkCase);
        var attribute = (OperationsPerInvokeFromAttribute?)GetCustomAttribute(benchmarkCase.Descriptor.WorkloadMethod, typeof(OperationsPerInvokeFromAttribute));
        if (attribute is null)
        {
            return 1;
        }

        long units = Convert.ToInt64(benchmarkCase.Parameters[attribute.ParameterName], CultureInfo.InvariantCulture);
        return units * attribute.Multiplier;
    }
}
