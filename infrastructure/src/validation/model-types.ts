import type { IObjectMeta } from '@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta';
import type { IDestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import type { IGateway } from '@kubernetes-models/istio/networking.istio.io/v1/Gateway';
import type { IVirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import type { IAuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import type { IPeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1/PeerAuthentication';
import type { IPrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import type { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';

/**
 * The TypeScript types of the model classes in model-registry.ts, by `apiVersion/kind`. The
 * generated JSON-schema validators accept unknown fields (as the API server's non-strict mode
 * does, pruning them silently); strict-fields.ts reads these types with the TypeScript compiler
 * to reject any field the type does not declare — a misspelt `readinesProbe` fails.
 */
export interface ModelTypes {
  'v1/Namespace': INamespace;
  'v1/ConfigMap': IConfigMap;
  'v1/Service': IService;
  'v1/ServiceAccount': IServiceAccount;
  'apps/v1/Deployment': IDeployment;
  'autoscaling/v2/HorizontalPodAutoscaler': IHorizontalPodAutoscaler;
  'policy/v1/PodDisruptionBudget': IPodDisruptionBudget;
  'networking.k8s.io/v1/NetworkPolicy': INetworkPolicy;
  'networking.istio.io/v1/Gateway': IGateway;
  'networking.istio.io/v1/VirtualService': IVirtualService;
  'networking.istio.io/v1/DestinationRule': IDestinationRule;
  'security.istio.io/v1/PeerAuthentication': IPeerAuthentication;
  'security.istio.io/v1/AuthorizationPolicy': IAuthorizationPolicy;
  'monitoring.coreos.com/v1/ServiceMonitor': IServiceMonitor;
  'monitoring.coreos.com/v1/PrometheusRule': IPrometheusRule;
}

/** Types checked on their own: the metadata of custom resources, whose CRD schemas leave it out. */
export interface SharedTypes {
  ObjectMeta: IObjectMeta;
}
