// The one identity the app signs in with, to every service. User-assigned so that its role assignments exist before
// the function app starts: a system-assigned identity would only exist once the app does.
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
