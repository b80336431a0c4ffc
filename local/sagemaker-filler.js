'use strict';
// THE ONE PLACE where the local runtime answers SageMaker calls moto 5.2.5 gets wrong, following
// the SageMaker API reference. Everything else goes to moto unchanged. Each answer says who
// served it ("moto", "filler", or "moto+filler": moto's answer, corrected), and the per-request
// stats (extensions.http.servedBy) carry that, so tests can say which calls ran against what.
//
// - CreateTrainingJob: moto accepts a name that exists; SageMaker refuses it (ResourceInUse).
// - DescribeTrainingJob: moto reports Completed at once; here a job is InProgress (secondary
//   status Training) on its first Describe and moto's answer afterwards, and Stopped once a
//   StopTrainingJob was accepted. A job SageMaker does not know is ResourceNotFound (moto:
//   ValidationException), the error the API reference lists
//   (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeTrainingJob.html#API_DescribeTrainingJob_Errors;
//   SageMaker itself has been seen answering ValidationException "Requested resource not found",
//   https://github.com/aws/aws-sdk/issues/165: the templates take both).
// - StopTrainingJob: moto raises NotImplementedError; here it is accepted for a job that is
//   InProgress, refused (ValidationException) for one in another status and, for a job SageMaker
//   does not know, answered ResourceNotFound (HTTP 400), the error the API reference lists for it
//   (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StopTrainingJob.html#API_StopTrainingJob_Errors).

const jobs = new Map(); // name -> { describes, stopped }

// A job's Describe count and whether it was stopped, in `map` (training or transform jobs).
const stateIn = (map, name) => {
  if (!map.has(name)) map.set(name, { describes: 0, stopped: false });
  return map.get(name);
};
const state = (name) => stateIn(jobs, name);

const json = (statusCode, body) => ({ statusCode, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify(body) });
const error = (statusCode, type, message) => json(statusCode, { __type: type, message });

// A describe of a job moto does not know answers ValidationException "Could not find ..."; the
// API reference lists ResourceNotFound (HTTP 400). `out`: moto's describe. The answer to send
// instead (that one, or moto's other error as it is), or null when moto found the job.
const describeFailure = (out, kind, name) => {
  if (out.statusCode === 200) return null;
  if (!/Could not find/.test(out.body)) return { servedBy: 'moto', response: out };
  return { servedBy: 'filler', response: error(400, 'ResourceNotFound', `Requested resource not found: ${kind} ${name}`) };
};

// `forward(target, body)` sends a SageMaker call to moto and resolves to {statusCode, body}.
async function sagemaker(target, body, forward) {
  const request = body ? JSON.parse(body) : {};
  const name = request.TrainingJobName;
  const describe = () => forward('SageMaker.DescribeTrainingJob', JSON.stringify({ TrainingJobName: name }));
  if (target === 'SageMaker.CreateTrainingJob') {
    const existing = await describe();
    if (existing.statusCode === 200) {
      return { servedBy: 'filler', response: error(400, 'ResourceInUse', `Training job names must be unique within an AWS account and region, and a training job with this name already exists (${JSON.parse(existing.body).TrainingJobArn})`) };
    }
    jobs.delete(name);
    return { servedBy: 'moto', response: await forward(target, body) };
  }
  if (target === 'SageMaker.DescribeTrainingJob') {
    const out = await describe();
    const failed = describeFailure(out, 'training job', name);
    if (failed) return failed;
    const job = JSON.parse(out.body);
    const s = state(name);
    s.describes += 1;
    if (s.stopped) {
      Object.assign(job, { TrainingJobStatus: 'Stopped', SecondaryStatus: 'Stopped' });
    } else if (s.describes === 1) {
      Object.assign(job, { TrainingJobStatus: 'InProgress', SecondaryStatus: 'Training' });
      delete job.FinalMetricDataList;
    } else {
      return { servedBy: 'moto', response: out };
    }
    return { servedBy: 'moto+filler', response: json(200, job) };
  }
  if (target === 'SageMaker.StopTrainingJob') {
    const out = await describe();
    const failed = describeFailure(out, 'training job', name);
    if (failed) return failed;
    const s = state(name);
    if (s.stopped || s.describes > 1) {
      const status = s.stopped ? 'Stopped' : JSON.parse(out.body).TrainingJobStatus;
      return { servedBy: 'filler', response: error(400, 'ValidationException', `The request was rejected because the training job is in status ${status}.`) };
    }
    s.stopped = true;
    return { servedBy: 'filler', response: json(200, {}) };
  }
  return null;
}

// --- Batch predictions: models and transform jobs --------------------------------------------
// - CreateModel: moto replaces a model that exists; SageMaker refuses the name (ValidationException,
//   "Cannot create already existing model",
//   https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModel.html).
// - CreateTransformJob: moto accepts a name that exists and a model that does not; SageMaker
//   refuses them (ResourceInUse; ValidationException for the model: "ModelName must be the name
//   of an existing Amazon SageMaker model",
//   https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateTransformJob.html).
// - DescribeTransformJob: moto reports Completed at once; here InProgress on the first Describe,
//   moto's answer afterwards, Stopped once a StopTransformJob was accepted; a job SageMaker does
//   not know is ResourceNotFound (moto: ValidationError), the error the API reference lists
//   (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeTransformJob.html#API_DescribeTransformJob_Errors).
// - StopTransformJob: moto does not implement it; here as StopTrainingJob above
//   (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StopTransformJob.html).

const transforms = new Map(); // name -> { describes, stopped }

async function transform(target, request, body, forward) {
  if (target === 'SageMaker.CreateModel') {
    const existing = await forward('SageMaker.DescribeModel', JSON.stringify({ ModelName: request.ModelName }));
    if (existing.statusCode === 200) {
      return { servedBy: 'filler', response: error(400, 'ValidationException', `Cannot create already existing model "${JSON.parse(existing.body).ModelArn}".`) };
    }
    return { servedBy: 'moto', response: await forward(target, body) };
  }
  const name = request.TransformJobName;
  const describe = () => forward('SageMaker.DescribeTransformJob', JSON.stringify({ TransformJobName: name }));
  if (target === 'SageMaker.CreateTransformJob') {
    const existing = await describe();
    if (existing.statusCode === 200) {
      return { servedBy: 'filler', response: error(400, 'ResourceInUse', `Transform job names must be unique within an AWS account and region, and a transform job with this name already exists (${JSON.parse(existing.body).TransformJobArn})`) };
    }
    const model = await forward('SageMaker.DescribeModel', JSON.stringify({ ModelName: request.ModelName }));
    if (model.statusCode !== 200) {
      return { servedBy: 'filler', response: error(400, 'ValidationException', `Could not find model "${request.ModelName}".`) };
    }
    transforms.delete(name);
    return { servedBy: 'moto', response: await forward(target, body) };
  }
  const out = await describe();
  const failed = describeFailure(out, 'transform job', name);
  if (failed) return failed;
  const s = stateIn(transforms, name);
  if (target === 'SageMaker.DescribeTransformJob') {
    const job = JSON.parse(out.body);
    s.describes += 1;
    if (s.stopped) job.TransformJobStatus = 'Stopped';
    else if (s.describes === 1) job.TransformJobStatus = 'InProgress';
    else return { servedBy: 'moto', response: out };
    if (job.TransformJobStatus !== 'Completed') delete job.TransformEndTime;
    return { servedBy: 'moto+filler', response: json(200, job) };
  }
  // StopTransformJob
  if (s.stopped || s.describes > 1) {
    const status = s.stopped ? 'Stopped' : JSON.parse(out.body).TransformJobStatus;
    return { servedBy: 'filler', response: error(400, 'ValidationException', `The request was rejected because the transform job is in status ${status}.`) };
  }
  s.stopped = true;
  return { servedBy: 'filler', response: json(200, {}) };
}

const TRANSFORM_TARGETS = new Set(['SageMaker.CreateModel', 'SageMaker.CreateTransformJob',
  'SageMaker.DescribeTransformJob', 'SageMaker.StopTransformJob']);

// ---- Hosting (deployModelVersion, undeployModelVersion, refreshDeployment) -------------------
// moto 5.2.5 creates models and endpoint configs as SageMaker does and is kept for them, but its
// endpoints are InService at once, it overwrites an endpoint created twice, it has no
// UpdateEndpoint, and its runtime answers any endpoint name, existing or not. Following the API
// reference (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpoint.html,
// API_UpdateEndpoint.html, API_DescribeEndpoint.html, API_runtime_InvokeEndpoint.html):
// - CreateEndpoint: refused (ValidationException) for a name that exists; else moto's, and the
//   endpoint is Creating.
// - UpdateEndpoint: refused for an endpoint that does not exist or is not InService, or a config
//   that does not exist; else the endpoint is Updating: DescribeEndpoint keeps naming the config
//   it runs and names the new one in PendingDeploymentSummary (blue/green).
// - DescribeEndpoint: deterministic for tests, as training jobs: the first Describe after a
//   create or update answers Creating/Updating, the next one InService on the new config.
// - DeleteEndpoint: moto's (the endpoint is gone at once; SageMaker shows Deleting first).
// - InvokeEndpoint on an endpoint created here: refused unless it serves (InService, or
//   Updating on its old config); else the answer names the endpoint and the config serving it
//   (a model's answer is the container's own), so tests see which deployment served.
const endpoints = new Map(); // name -> { config, pending, status, describes }

const arn = (kind, name) => `arn:aws:sagemaker:us-east-1:123456789012:${kind}/${name.toLowerCase()}`;

async function hosting(target, request, body, forward) {
  const name = request.EndpointName;
  const describe = () => forward('SageMaker.DescribeEndpoint', JSON.stringify({ EndpointName: name }));
  const known = endpoints.get(name);
  if (target === 'SageMaker.CreateEndpoint') {
    if ((await describe()).statusCode === 200) {
      return { servedBy: 'filler', response: error(400, 'ValidationException', `Cannot create already existing endpoint "${arn('endpoint', name)}".`) };
    }
    const out = await forward(target, body);
    if (out.statusCode === 200) endpoints.set(name, { config: request.EndpointConfigName, pending: null, status: 'Creating', describes: 0 });
    return { servedBy: 'moto', response: out };
  }
  if (target === 'SageMaker.UpdateEndpoint') {
    if ((await describe()).statusCode !== 200 || !known) {
      return { servedBy: 'filler', response: error(400, 'ValidationException', `Could not find endpoint "${arn('endpoint', name)}".`) };
    }
    if (known.status !== 'InService') {
      return { servedBy: 'filler', response: error(400, 'ValidationException', `Cannot update in-progress endpoint "${arn('endpoint', name)}".`) };
    }
    const config = await forward('SageMaker.DescribeEndpointConfig', JSON.stringify({ EndpointConfigName: request.EndpointConfigName }));
    if (config.statusCode !== 200) {
      return { servedBy: 'filler', response: error(400, 'ValidationException', `Could not find endpoint configuration "${arn('endpoint-config', request.EndpointConfigName)}".`) };
    }
    Object.assign(known, { pending: request.EndpointConfigName, status: 'Updating', describes: 0 });
    return { servedBy: 'filler', response: json(200, { EndpointArn: arn('endpoint', name) }) };
  }
  if (target === 'SageMaker.DescribeEndpoint') {
    const out = await describe();
    if (out.statusCode !== 200 || !known) return { servedBy: 'moto', response: out };
    known.describes += 1;
    if (known.status !== 'InService' && known.describes > 1) {
      Object.assign(known, { config: known.pending || known.config, pending: null, status: 'InService' });
    }
    const endpoint = { ...JSON.parse(out.body), EndpointStatus: known.status, EndpointConfigName: known.config };
    if (known.pending) endpoint.PendingDeploymentSummary = { EndpointConfigName: known.pending, StageStatus: [] };
    return { servedBy: 'moto+filler', response: json(200, endpoint) };
  }
  if (target === 'SageMaker.DeleteEndpoint') {
    endpoints.delete(name);
    return { servedBy: 'moto', response: await forward(target, body) };
  }
  return null;
}

// SageMaker runtime (REST JSON: the error code in X-Amzn-ErrorType), endpoints created here only.
function invoke(path, body) {
  const m = /^\/endpoints\/([^/]+)\/invocations/.exec(path || '');
  const known = m && endpoints.get(decodeURIComponent(m[1]));
  if (!known) return null;
  const name = decodeURIComponent(m[1]);
  if (known.status !== 'InService' && !(known.status === 'Updating' && known.config)) {
    return { servedBy: 'filler', response: { statusCode: 400, headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ValidationError' }, body: JSON.stringify({ message: `Endpoint ${name} of account 123456789012 not found.` }) } };
  }
  const answer = { endpointName: name, endpointConfigName: known.config, input: body ? JSON.parse(body) : null };
  return { servedBy: 'filler', response: { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(answer) } };
}

// Returns {servedBy, response} when the filler answers (itself or by correcting moto), else null.
async function fill({ service, target, body, forward, path }) {
  if (service === 'sagemaker' && target && /^SageMaker\.\w+Endpoint$/.test(target)) {
    return hosting(target, body ? JSON.parse(body) : {}, body, forward);
  }
  if (service === 'sagemaker' && TRANSFORM_TARGETS.has(target)) return transform(target, body ? JSON.parse(body) : {}, body, forward);
  if (service === 'sagemaker' && target && target.startsWith('SageMaker.')) return sagemaker(target, body, forward);
  if (service === 'sagemaker' && !target) return invoke(path, body);
  return null;
}

module.exports = { fill, jobs, transforms, endpoints };
